// Kubernetes: values files for Ory's official Helm charts (kratos, and hydra when asked) and the
// edge's own ConfigMap, Deployment, Service and Ingress. Secrets live in Kubernetes Secrets the
// operator creates (named below), never in the values: the charts and the edge read them as env.
import type { EdgeConfig } from 'vestibule/config';
import { stringify } from 'yaml';
import type { GeneratedFile } from './files.ts';
import { IDENTITY_SCHEMA, kratosConfigFor } from './kratos.ts';
import { header } from './compose.ts';
import {
  HYDRA_CHART_VERSION,
  HYDRA_IMAGE,
  KRATOS_CHART_VERSION,
  KRATOS_IMAGE,
} from './versions.ts';

export interface HelmOptions {
  hydra: boolean;
  /** The edge's container image (the app's image with vestibule installed). */
  image: string;
}

const [KRATOS_REPO, KRATOS_TAG] = KRATOS_IMAGE.split(':') as [string, string];
const [HYDRA_REPO, HYDRA_TAG] = HYDRA_IMAGE.split(':') as [string, string];
const EDGE_SECRET = 'vestibule-edge';
const LABELS = {
  'app.kubernetes.io/name': 'vestibule-edge',
  'app.kubernetes.io/component': 'edge',
};

export function kratosValues(edge: EdgeConfig): Record<string, unknown> {
  const config = kratosConfigFor(edge, {
    // The chart's admin Service for a release named "kratos".
    adminBaseURL: 'http://kratos-admin/',
    schemaURL: 'file:///etc/config/identity.default.schema.json',
  });
  delete config.dsn; // from the Secret below
  return {
    image: { repository: KRATOS_REPO, tag: KRATOS_TAG },
    kratos: {
      automigration: { enabled: true },
      config,
      identitySchemas: { 'identity.default.schema.json': JSON.stringify(IDENTITY_SCHEMA, null, 2) },
    },
    // dsn, secretsCookie, secretsCipher, smtpConnectionURI: kubectl create secret generic kratos-secrets …
    secret: { enabled: false, nameOverride: 'kratos-secrets' },
  };
}

export function hydraValues(edge: EdgeConfig): Record<string, unknown> {
  const site = edge.server.public_url;
  return {
    image: { repository: HYDRA_REPO, tag: HYDRA_TAG },
    hydra: {
      automigration: { enabled: true },
      config: {
        urls: {
          self: { issuer: `${site}/` },
          login: `${site}/oauth2/login`,
          consent: `${site}/oauth2/consent`,
          logout: `${site}/oauth2/logout`,
        },
      },
    },
    // dsn, secretsSystem, secretsCookie: kubectl create secret generic hydra-secrets …
    secret: { enabled: false, nameOverride: 'hydra-secrets' },
  };
}

/** vestibule.yml as the edge runs it in the cluster, without secrets (they come from env). */
function edgeConfigFile(edge: EdgeConfig): string {
  return stringify({
    server: {
      host: '0.0.0.0',
      port: edge.server.port || 4000,
      public_url: edge.server.public_url,
      trust_proxy: true,
    },
    kratos: { public_url: 'http://kratos-public', admin_url: 'http://kratos-admin' },
    proxy: {
      prefix: edge.proxy.prefix,
      ...(edge.proxy.cookie_domain ? { cookie_domain: edge.proxy.cookie_domain } : {}),
    },
    gateway: {
      upstream_url: edge.gateway.upstream_url,
      rules: edge.gateway.rules,
      default_decision: edge.gateway.default_decision,
      session_cookie_name: edge.gateway.session_cookie_name,
    },
  });
}

export function edgeManifests(
  edge: EdgeConfig,
  options: HelmOptions,
): Array<Record<string, unknown>> {
  const port = edge.server.port || 4000;
  const url = new URL(edge.server.public_url);
  const metadata = { name: 'vestibule-edge', labels: LABELS };
  const secretEnv = (name: string, key: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: EDGE_SECRET, key } },
  });
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata,
      data: { 'vestibule.yml': edgeConfigFile(edge) },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata,
      spec: {
        replicas: 2,
        selector: { matchLabels: LABELS },
        template: {
          metadata: { labels: LABELS },
          spec: {
            containers: [
              {
                name: 'edge',
                image: options.image,
                // node on the installed bin, not npx: nothing writes to the read-only root filesystem.
                workingDir: '/app',
                command: [
                  'node',
                  'node_modules/@vestibule/cli/bin/vestibule.js',
                  'serve',
                  '--config',
                  '/etc/vestibule/vestibule.yml',
                ],
                ports: [{ name: 'http', containerPort: port }],
                // kubectl create secret generic vestibule-edge --from-literal=header-secret=…
                env: [secretEnv('VESTIBULE_HEADER_SECRET', 'header-secret')],
                volumeMounts: [{ name: 'config', mountPath: '/etc/vestibule', readOnly: true }],
                readinessProbe: {
                  httpGet: { path: '/health/ready', port: 'http' },
                  periodSeconds: 10,
                },
                livenessProbe: { httpGet: { path: '/health', port: 'http' }, periodSeconds: 20 },
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 1000,
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                },
              },
            ],
            volumes: [{ name: 'config', configMap: { name: 'vestibule-edge' } }],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata,
      spec: { selector: LABELS, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata,
      spec: {
        ...(url.protocol === 'https:'
          ? { tls: [{ hosts: [url.hostname], secretName: 'vestibule-edge-tls' }] }
          : {}),
        rules: [
          {
            host: url.hostname,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'vestibule-edge', port: { name: 'http' } } },
                },
              ],
            },
          },
        ],
      },
    },
  ];
}

export function helmFiles(edge: EdgeConfig, options: HelmOptions): GeneratedFile[] {
  const install = (chart: string, version: string) =>
    `helm repo add ory https://k8s.ory.sh/helm/charts && helm install ${chart} ory/${chart} --version ${version} -f ${chart}-values.yml`;
  const files: GeneratedFile[] = [
    {
      path: 'helm/kratos-values.yml',
      content: header(install('kratos', KRATOS_CHART_VERSION)) + stringify(kratosValues(edge)),
    },
    {
      path: 'helm/edge.yml',
      content:
        header('kubectl apply -f edge.yml') +
        edgeManifests(edge, options)
          .map((m) => stringify(m))
          .join('---\n'),
    },
  ];
  if (options.hydra) {
    files.push({
      path: 'helm/hydra-values.yml',
      content: header(install('hydra', HYDRA_CHART_VERSION)) + stringify(hydraValues(edge)),
    });
  }
  return files;
}

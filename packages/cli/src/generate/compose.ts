// docker-compose.yml for a real deployment of the edge's vestibule.yml: PostgreSQL, Kratos's
// migration job and Kratos (and Hydra's when asked), a mail catcher for development, the edge on
// server.port and the app on the upstream's port. Secrets are required variables
// (`${NAME:?…}`): compose refuses to start without them instead of running on a default.
import type { EdgeConfig } from 'vestibule/config';
import { stringify } from 'yaml';
import { IDENTITY_SCHEMA, kratosConfigFor } from './kratos.ts';
import type { GeneratedFile } from './files.ts';
import {
  HYDRA_IMAGE,
  KRATOS_IMAGE,
  MAIL_CATCHER_IMAGE,
  NODE_IMAGE,
  POSTGRES_IMAGE,
} from './versions.ts';

export interface ComposeOptions {
  hydra: boolean;
}

const required = (name: string, why: string) => `\${${name}:?${why}}`;

export function upstreamPort(edge: EdgeConfig): number {
  const url = new URL(edge.gateway.upstream_url ?? 'http://app:3000');
  return Number(url.port || (url.protocol === 'https:' ? 443 : 80));
}

function database(name: string) {
  return `postgres://${name}:${required('POSTGRES_PASSWORD', 'set POSTGRES_PASSWORD')}@postgres:5432/${name}?sslmode=disable`;
}

export function composeDocument(
  edge: EdgeConfig,
  options: ComposeOptions,
): Record<string, unknown> {
  const edgePort = edge.server.port || 4000;
  const appPort = upstreamPort(edge);
  const kratosEnv = {
    DSN: database('kratos'),
    SECRETS_COOKIE: required('KRATOS_SECRETS_COOKIE', 'generate with: openssl rand -hex 16'),
    SECRETS_CIPHER: required(
      'KRATOS_SECRETS_CIPHER',
      'exactly 32 characters: openssl rand -hex 16',
    ),
    COURIER_SMTP_CONNECTION_URI:
      '${SMTP_CONNECTION_URI:-smtp://mailpit:1025/?disable_starttls=true}',
  };
  const kratosVolume = ['./kratos:/etc/config/kratos:ro'];
  const services: Record<string, unknown> = {
    postgres: {
      image: POSTGRES_IMAGE,
      environment: {
        POSTGRES_USER: 'kratos',
        POSTGRES_PASSWORD: required('POSTGRES_PASSWORD', 'set POSTGRES_PASSWORD'),
        POSTGRES_DB: 'kratos',
      },
      volumes: ['postgres-data:/var/lib/postgresql/data'],
      healthcheck: {
        test: ['CMD-SHELL', 'pg_isready -U kratos'],
        interval: '5s',
        timeout: '5s',
        retries: 10,
      },
      restart: 'unless-stopped',
    },
    'kratos-migrate': {
      image: KRATOS_IMAGE,
      command: ['migrate', 'sql', '-e', '--yes', '-c', '/etc/config/kratos/kratos.yml'],
      environment: { DSN: kratosEnv.DSN },
      volumes: kratosVolume,
      depends_on: { postgres: { condition: 'service_healthy' } },
      restart: 'on-failure',
    },
    kratos: {
      image: KRATOS_IMAGE,
      command: ['serve', '-c', '/etc/config/kratos/kratos.yml', '--watch-courier'],
      environment: kratosEnv,
      volumes: kratosVolume,
      // Reached by the edge only: the admin port (4434) is never published.
      expose: ['4433', '4434'],
      depends_on: { 'kratos-migrate': { condition: 'service_completed_successfully' } },
      restart: 'unless-stopped',
    },
    mailpit: {
      image: MAIL_CATCHER_IMAGE,
      // Development mail catcher: the inbox at http://localhost:8025. Set SMTP_CONNECTION_URI in
      // production and drop this service.
      ports: ['127.0.0.1:8025:8025'],
      profiles: ['dev'],
    },
    edge: {
      image: NODE_IMAGE,
      working_dir: '/app',
      command: [
        'node',
        'node_modules/@vestibule/cli/bin/vestibule.js',
        'serve',
        '--config',
        'vestibule.yml',
      ],
      volumes: ['./:/app:ro'],
      environment: {
        VESTIBULE_HOST: '0.0.0.0',
        VESTIBULE_PORT: String(edgePort),
        VESTIBULE_PUBLIC_URL: edge.server.public_url,
        VESTIBULE_KRATOS_PUBLIC_URL: 'http://kratos:4433',
        VESTIBULE_KRATOS_ADMIN_URL: 'http://kratos:4434',
        VESTIBULE_UPSTREAM_URL: `http://app:${appPort}`,
        VESTIBULE_HEADER_SECRET: required(
          'VESTIBULE_HEADER_SECRET',
          'generate with: openssl rand -base64 32',
        ),
      },
      ports: [`${edgePort}:${edgePort}`],
      depends_on: {
        kratos: { condition: 'service_started' },
        app: { condition: 'service_started' },
      },
      restart: 'unless-stopped',
    },
    app: {
      build: { context: '.' },
      environment: {
        PORT: String(appPort),
        VESTIBULE_HEADER_SECRET: required(
          'VESTIBULE_HEADER_SECRET',
          'generate with: openssl rand -base64 32',
        ),
      },
      // Only the edge reaches the app: publishing its port would bypass every access rule.
      expose: [String(appPort)],
      restart: 'unless-stopped',
    },
  };
  if (options.hydra) Object.assign(services, hydraServices(edge));
  return { name: 'vestibule', services, volumes: { 'postgres-data': {} } };
}

function hydraServices(edge: EdgeConfig): Record<string, unknown> {
  const site = edge.server.public_url;
  const environment = {
    DSN: database('kratos').replace('/kratos?', '/hydra?'),
    SECRETS_SYSTEM: required('HYDRA_SECRETS_SYSTEM', 'generate with: openssl rand -hex 16'),
    URLS_SELF_ISSUER: `${site}/`,
    URLS_LOGIN: `${site}/oauth2/login`,
    URLS_CONSENT: `${site}/oauth2/consent`,
    URLS_LOGOUT: `${site}/oauth2/logout`,
  };
  return {
    'hydra-migrate': {
      image: HYDRA_IMAGE,
      command: ['migrate', 'sql', '-e', '--yes'],
      environment: { DSN: environment.DSN },
      depends_on: { postgres: { condition: 'service_healthy' } },
      restart: 'on-failure',
    },
    hydra: {
      image: HYDRA_IMAGE,
      command: ['serve', 'all'],
      environment,
      expose: ['4444', '4445'],
      depends_on: { 'hydra-migrate': { condition: 'service_completed_successfully' } },
      restart: 'unless-stopped',
    },
  };
}

export function composeFiles(edge: EdgeConfig, options: ComposeOptions): GeneratedFile[] {
  const kratos = kratosConfigFor(edge, {
    adminBaseURL: 'http://kratos:4434/',
    schemaURL: 'file:///etc/config/kratos/identity.schema.json',
  });
  return [
    {
      path: 'docker-compose.yml',
      content: header('docker compose up -d') + stringify(composeDocument(edge, options)),
    },
    {
      path: 'kratos/kratos.yml',
      content: header('mounted into the kratos services') + stringify(kratos),
    },
    {
      path: 'kratos/identity.schema.json',
      content: JSON.stringify(IDENTITY_SCHEMA, null, 2) + '\n',
    },
  ];
}

export function header(use: string): string {
  return `# Generated by \`vestibule generate\` from vestibule.yml (${use}). Secrets come from the\n# environment, never from this file.\n`;
}

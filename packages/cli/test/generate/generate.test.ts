/* eslint-disable @typescript-eslint/no-explicit-any -- parsed YAML is walked key by key here; the schemas are what check its shape */
// `vestibule generate`: each file validated against its official schema with a real JSON-Schema
// validator; kratos.yml also loaded by the embedded identity server; the Oathkeeper rules imported
// by the edge's own importer with the same decisions; the edge's Kubernetes objects validated by
// the Kubernetes OpenAPI schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfigText } from 'vestibule/config';
import { compileRules, importOathkeeperRules, type AccessRuleConfig } from 'vestibule/gateway';
import { createIdentityServer, loadConfig } from '@vestibule/identity-server';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { main } from '../../src/main.ts';
import { memoryIO } from '../support/memory-io.ts';
import { composeSchemaPath, EDGE_YAML, readSchema, SHARED_ORY, validator } from './support.ts';

function project(yaml = EDGE_YAML): string {
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-generate-'));
  writeFileSync(join(dir, 'vestibule.yml'), yaml);
  return dir;
}

async function generate(what: string, extra: string[] = []) {
  const dir = project();
  const io = memoryIO({}, { cwd: dir });
  const code = await main(['generate', what, '--out', 'deploy', ...extra], io.io);
  assert.equal(code, 0, io.err());
  const read = (path: string) => readFileSync(join(dir, 'deploy', path), 'utf8');
  return { dir, read, err: io.err(), out: io.out() };
}

const edge = loadConfigText(EDGE_YAML).config;
const ENV_SECRETS = { cookie: ['c'.repeat(32)], cipher: ['k'.repeat(32)] };

test('compose: valid against the compose specification schema; services and ports match the edge config', async () => {
  const { read } = await generate('compose', ['--hydra']);
  const doc = parse(read('docker-compose.yml')) as {
    services: Record<
      string,
      { image?: string; ports?: string[]; expose?: string[]; environment?: Record<string, string> }
    >;
  };
  assert.deepEqual(validator(readSchema(composeSchemaPath()))(doc), []);
  const services = doc.services;
  for (const name of [
    'postgres',
    'kratos-migrate',
    'kratos',
    'mailpit',
    'edge',
    'app',
    'hydra-migrate',
    'hydra',
  ]) {
    assert.ok(services[name], `service ${name}`);
  }
  assert.match(
    services.kratos!.image!,
    /^oryd\/kratos:v\d+\.\d+\.\d+$/,
    'Kratos pinned to a release',
  );
  assert.match(services.hydra!.image!, /^oryd\/hydra:v\d+\.\d+\.\d+$/);
  assert.deepEqual(services.edge!.ports, ['8080:8080'], 'the edge on server.port');
  assert.equal(services.edge!.environment!.VESTIBULE_PORT, '8080');
  assert.equal(services.edge!.environment!.VESTIBULE_PUBLIC_URL, 'https://notes.example.com');
  assert.equal(services.edge!.environment!.VESTIBULE_UPSTREAM_URL, 'http://app:3000');
  assert.deepEqual(services.app!.expose, ['3000'], "the app on the upstream's port");
  assert.equal(
    services.app!.ports,
    undefined,
    'the app is not published (it would bypass the rules)',
  );
  assert.equal(services.kratos!.ports, undefined, "Kratos's admin port is not published");
  assert.match(
    services.kratos!.environment!.SECRETS_COOKIE!,
    /^\$\{KRATOS_SECRETS_COOKIE:\?/,
    'secrets required from env',
  );
  assert.equal(services.hydra!.environment!.URLS_SELF_ISSUER, 'https://notes.example.com/');
  assert.ok(
    !read('docker-compose.yml').includes('g'.repeat(40)),
    'the header secret is not in the file',
  );
});

test('kratos: valid against Kratos config schema, identity schema against the identity meta-schema, and loaded by the embedded server', async () => {
  const { read, dir } = await generate('kratos');
  const config = parse(read('kratos/kratos.yml')) as Record<string, any>;
  assert.equal(config.secrets, undefined, 'no secret in the file');
  // Kratos validates the file with its environment (SECRETS_COOKIE, SECRETS_CIPHER) merged in.
  const validateKratos = validator(readSchema(join(SHARED_ORY, 'kratos/config.schema.json')));
  assert.deepEqual(validateKratos({ ...config, secrets: ENV_SECRETS }), []);
  assert.notDeepEqual(
    validateKratos({ ...config, secrets: { cipher: ['too-short'] } }),
    [],
    'the validator can fail',
  );
  assert.equal(config.serve.public.base_url, 'https://notes.example.com/api/ory/');
  assert.equal(config.selfservice.flows.login.ui_url, 'https://notes.example.com/login');
  assert.equal(config.selfservice.methods.password.config.haveibeenpwned_enabled, true);
  assert.deepEqual(config.selfservice.flows.recovery.after.hooks, [
    { hook: 'revoke_active_sessions' },
  ]);
  assert.deepEqual(config.selfservice.flows.settings.after.password.hooks, [
    { hook: 'revoke_active_sessions' },
  ]);
  assert.equal(config.session.cookie.name, 'notes_session', "the gateway's session cookie name");

  const identitySchema = JSON.parse(read('kratos/identity.schema.json'));
  const meta = readSchema(join(SHARED_ORY, 'kratos/identity_meta.schema.json'));
  const extension = readSchema(join(SHARED_ORY, 'kratos/identity_extension.schema.json'));
  assert.deepEqual(validator(meta, undefined, [extension])(identitySchema), []);

  // The embedded server loads it (the schema file mounted where the config says, secrets from env).
  const file = join(dir, 'deploy/kratos/kratos.yml');
  const text = readFileSync(file, 'utf8').replace(
    'file:///etc/config/kratos/identity.schema.json',
    `file://${join(dir, 'deploy/kratos/identity.schema.json')}`,
  );
  writeFileSync(file, text);
  const { config: loaded, warnings } = await loadConfig(file, {
    env: {
      DSN: 'memory',
      SECRETS_COOKIE: 'c'.repeat(32),
      SECRETS_CIPHER: 'k'.repeat(32),
      COURIER_SMTP_CONNECTION_URI: '',
    },
  });
  assert.deepEqual(
    warnings.filter((w) => w.code === 'unknown_key'),
    [],
  );
  const server = await createIdentityServer({
    config: {
      ...loaded,
      serve: {
        ...loaded.serve,
        public: { ...loaded.serve.public, port: 0 },
        admin: { ...loaded.serve.admin, port: 0 },
      },
    },
  });
  try {
    const listening = await server.listen();
    const flow = (await (
      await fetch(`${listening.publicURL}/self-service/registration/api`)
    ).json()) as { ui: { action: string } };
    assert.match(
      flow.ui.action,
      /^https:\/\/notes\.example\.com\/api\/ory\/self-service\/registration\?flow=/,
    );
  } finally {
    await server.close();
  }
});

type Decision = { rule: string | undefined; mode: string | undefined };

function decide(rules: readonly AccessRuleConfig[], method: string, path: string): Decision {
  const rule = compileRules(rules).match(method, path);
  return { rule: rule?.id, mode: rule?.mode };
}

test("oathkeeper: valid against Oathkeeper's rule schema and re-imported by the edge's importer with the same decisions", async () => {
  const { read, err } = await generate('oathkeeper');
  const rules = parse(read('oathkeeper/access-rules.yml')) as unknown[];
  const validate = validator(
    readSchema(join(SHARED_ORY, 'oathkeeper/openapi.v26.2.0.json')),
    '#/components/schemas/rule',
  );
  for (const rule of rules) assert.deepEqual(validate(rule), [], JSON.stringify(rule));
  assert.match(err, /admin: mode role \(admin\) has no Oathkeeper equivalent: written as deny/);
  assert.match(
    err,
    /login and everything-else both match \/login: Oathkeeper answers 500 when two rules match/,
  );

  const imported = importOathkeeperRules(rules, { publicURL: edge.server.public_url }).rules;
  const gateway = edge.gateway.rules as AccessRuleConfig[];
  const requests: Array<[string, string]> = [
    ['GET', '/'],
    ['HEAD', '/'],
    ['POST', '/'],
    ['GET', '/login'],
    ['POST', '/login'],
    ['GET', '/static/app.css'],
    ['GET', '/static/img/logo.svg'],
    ['GET', '/static'],
    ['GET', '/api/notes'],
    ['DELETE', '/api/notes/42'],
    ['GET', '/api/notes/42/x'],
    ['GET', '/notes/7'],
    ['POST', '/notes/7'],
    ['DELETE', '/notes/7'],
    ['GET', '/notes/7/edit'],
    ['GET', '/unlisted'],
    ['GET', '/admin'],
    ['GET', '/admin/users'],
  ];
  for (const [method, path] of requests) {
    const want = decide(gateway, method, path);
    const got = decide(imported, method, path);
    assert.equal(got.rule, want.rule, `${method} ${path}: same rule`);
    // A role rule is the one Oathkeeper cannot express: it is imported as deny (closed), never open.
    assert.equal(
      got.mode,
      want.mode === 'role' ? 'deny' : want.mode,
      `${method} ${path}: same mode`,
    );
  }
});

test('helm: edge Deployment/Service/Ingress/ConfigMap valid against the Kubernetes schemas; chart values carry a valid Kratos config', async () => {
  const { read } = await generate('helm', [
    '--hydra',
    '--image',
    'registry.example.com/notes:1.0.0',
  ]);
  const docs = parseAllDocuments(read('helm/edge.yml')).map(
    (d) => d.toJSON() as Record<string, any>,
  );
  const models: Record<string, (o: any) => { validate(): void }> = {
    ConfigMap: (o) => new ConfigMap(o),
    Deployment: (o) => new Deployment(o),
    Service: (o) => new Service(o),
    Ingress: (o) => new Ingress(o),
  };
  assert.deepEqual(
    docs.map((d) => d.kind),
    ['ConfigMap', 'Deployment', 'Service', 'Ingress'],
  );
  for (const doc of docs) assert.doesNotThrow(() => models[doc.kind]!(doc).validate(), doc.kind);
  const deployment = docs[1]!;
  assert.equal(deployment.spec.template.spec.containers[0].ports[0].containerPort, 8080);
  assert.equal(docs[3]!.spec.rules[0].host, 'notes.example.com');
  assert.equal(docs[3]!.spec.tls[0].hosts[0], 'notes.example.com');
  const broken = structuredClone(deployment);
  broken.spec.replicas = 'two';
  assert.throws(() => new Deployment(broken).validate(), 'the validator rejects a bad Deployment');

  const values = parse(read('helm/kratos-values.yml')) as Record<string, any>;
  const kratosConfig = { ...values.kratos.config, dsn: 'postgres://x', secrets: ENV_SECRETS };
  assert.deepEqual(
    validator(readSchema(join(SHARED_ORY, 'kratos/config.schema.json')))(kratosConfig),
    [],
  );
  const hydra = parse(read('helm/hydra-values.yml')) as Record<string, any>;
  assert.deepEqual(
    validator(readSchema(join(SHARED_ORY, 'hydra/config.schema.json')))({
      ...hydra.hydra.config,
      dsn: 'memory',
    }),
    [],
  );
  assert.equal(hydra.hydra.config.urls.self.issuer, 'https://notes.example.com/');
});

test('generate keeps existing files unless --force, prints to stdout without --out, and needs a vestibule.yml', async () => {
  const dir = project();
  const first = memoryIO({}, { cwd: dir });
  assert.equal(await main(['generate', 'kratos', '--out', 'deploy'], first.io), 0);
  writeFileSync(join(dir, 'deploy/kratos/kratos.yml'), 'mine: true\n');
  const again = memoryIO({}, { cwd: dir });
  assert.equal(await main(['generate', 'kratos', '--out', 'deploy'], again.io), 1);
  assert.match(
    again.err(),
    /not written: kratos\/kratos\.yml, kratos\/identity\.schema\.json already exist/,
  );
  assert.equal(readFileSync(join(dir, 'deploy/kratos/kratos.yml'), 'utf8'), 'mine: true\n', 'kept');
  const forced = memoryIO({}, { cwd: dir });
  assert.equal(await main(['generate', 'kratos', '--out', 'deploy', '--force'], forced.io), 0);
  assert.notEqual(readFileSync(join(dir, 'deploy/kratos/kratos.yml'), 'utf8'), 'mine: true\n');

  const printed = memoryIO({}, { cwd: dir });
  assert.equal(await main(['generate', 'oathkeeper'], printed.io), 0);
  assert.match(printed.out(), /^# --- oathkeeper\/access-rules\.yml\n/);

  const empty = memoryIO({}, { cwd: mkdtempSync(join(tmpdir(), 'vestibule-generate-empty-')) });
  assert.equal(await main(['generate', 'compose'], empty.io), 2);
  assert.match(empty.err(), /vestibule\.yml not found: pass --config/);
});

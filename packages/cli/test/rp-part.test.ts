// The stack's RP demo part against an OAuth2 server given by URL (as a configured Hydra is): its
// client registered with the same id on every start (created, then overwritten — never a second
// one), its secret kept under the data dir, the RP listening once the server is ready; and the
// demo rules, where only reading the notes list takes an access token.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createOAuth2Server, parseConfig, type OAuth2Server } from '@vestibule/oauth2-server';
import { loadConfigObject } from 'vestibule/config';
import { createLogger } from 'vestibule/edge';
import { DEMO_RULES, demoRules } from '../src/stack/demo-rules.ts';
import { SECRETS_FILE } from '../src/stack/local-secrets.ts';
import { resolvePort } from '../src/stack/ports.ts';
import { planRPDemo, RP_CLIENT_ID, RP_SCOPE } from '../src/stack/rp-part.ts';
import { createProgress } from '../src/terminal/progress.ts';

let server: OAuth2Server;
let publicURL: string;
let adminURL: string;
const dataDir = mkdtempSync(join(tmpdir(), 'rp-part-'));
const lines: string[] = [];

before(async () => {
  const port = await resolvePort('127.0.0.1', 0);
  server = await createOAuth2Server({
    config: parseConfig(
      {
        dsn: 'memory',
        serve: { public: { host: '127.0.0.1', port }, admin: { host: '127.0.0.1', port: 0 } },
        urls: {
          self: { issuer: `http://127.0.0.1:${port}` },
          login: 'http://login.test/oauth2/login',
          consent: 'http://login.test/oauth2/consent',
          logout: 'http://login.test/oauth2/logout',
          error: 'http://login.test/oauth2/error',
        },
        secrets: { system: ['a-system-secret-of-32-characters!'] },
      },
      { dev: true },
    ),
  });
  ({ publicURL, adminURL } = await server.listen());
});
after(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

function plan(extra: { rpDemo?: boolean; adminURL?: string } = {}) {
  return planRPDemo(
    {
      host: '127.0.0.1',
      ports: { rp: 0 },
      dataDir,
      ...(extra.rpDemo !== undefined ? { rpDemo: extra.rpDemo } : {}),
      progress: createProgress((line) => lines.push(line)),
      logger: createLogger({ level: 'error', write: () => {} }),
    },
    {
      publicURL,
      adminURL: 'adminURL' in extra ? extra.adminURL : adminURL,
      ready: Promise.resolve(),
    },
    'http://localhost:4000',
  );
}

async function clients(): Promise<Array<Record<string, unknown>>> {
  return (await (await fetch(`${adminURL}/admin/clients`)).json()) as Array<
    Record<string, unknown>
  >;
}

describe('the RP demo part', () => {
  test('registers one client under a fixed id on every start, keeps its secret, and serves the RP', async () => {
    const first = (await plan())!;
    await first.ready;
    assert.equal(first.clientId(), RP_CLIENT_ID);
    const home = await fetch(`${first.url.replace('localhost', '127.0.0.1')}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Sign in with Notes/);
    await first.close();
    const secret = () =>
      (JSON.parse(readFileSync(join(dataDir, SECRETS_FILE), 'utf8')) as Record<string, string>)
        .rp_client_secret;
    const kept = secret();
    assert.ok(kept && kept.length >= 32);

    const second = (await plan())!;
    await second.ready;
    await second.close();
    assert.equal(secret(), kept, 'the same secret on the second start');
    const registered = (await clients()).filter((c) => c.client_id === RP_CLIENT_ID);
    assert.equal(registered.length, 1, 'one client, overwritten on the second start');
    const client = registered[0]!;
    assert.equal(client.scope, RP_SCOPE);
    const port = new URL(second.url).port;
    assert.deepEqual(client.redirect_uris, [
      `http://localhost:${port}/callback`,
      `http://127.0.0.1:${port}/callback`,
    ]);
    assert.deepEqual(client.post_logout_redirect_uris, [
      `http://localhost:${port}/logged-out`,
      `http://127.0.0.1:${port}/logged-out`,
    ]);
    assert.deepEqual(client.grant_types, ['authorization_code', 'refresh_token']);
    assert.ok(lines.some((line) => line.includes('Sign in with Notes')));
  });

  test('no RP without an admin URL to register at, or when turned off', async () => {
    assert.equal(await plan({ rpDemo: false }), undefined);
    assert.equal(await plan({ adminURL: undefined }), undefined);
  });

  test('an unreachable OAuth2 server: the RP does not start and the progress line says so', async () => {
    const down = (await planRPDemo(
      {
        host: '127.0.0.1',
        ports: { rp: 0 },
        progress: createProgress((line) => lines.push(line)),
        logger: createLogger({ level: 'error', write: () => {} }),
      },
      { publicURL, adminURL: 'http://127.0.0.1:9', ready: Promise.resolve() },
      'http://localhost:4000',
    ))!;
    await assert.rejects(down.ready);
    await down.close();
    assert.ok(lines.some((line) => line.includes('the RP demo is not running')));
  });
});

test('stopped before the OAuth2 server is up: close() does not wait for it, and no failure is printed', async () => {
  const quiet: string[] = [];
  const waiting = (await planRPDemo(
    {
      host: '127.0.0.1',
      ports: { rp: 0 },
      progress: createProgress((line) => quiet.push(line)),
      logger: createLogger({ level: 'error', write: () => {} }),
    },
    // An OAuth2 server that never becomes ready: it closes after the RP, so the RP must not wait.
    { publicURL, adminURL, ready: new Promise<void>(() => {}) },
    'http://localhost:4000',
  ))!;
  await waiting.close();
  await assert.rejects(waiting.ready, /stopped before the RP demo started/);
  assert.deepEqual(
    quiet.filter((line) => line.startsWith('✗')),
    [],
    'a cancellation, not a failure',
  );
});

describe('the demo rules with an OAuth2 server', () => {
  test('only GET /api/notes takes an access token (notes.read), before the session-only notes API rule', () => {
    const rules = demoRules(true);
    const tokenRules = rules.filter((r) => r.scopes || r.credentials?.includes('access_token'));
    assert.deepEqual(tokenRules, [
      {
        id: 'notes-api-read',
        path: '/api/notes',
        methods: ['GET'],
        mode: 'required',
        scopes: ['notes.read'],
      },
    ]);
    const ids = rules.map((r) => r.id);
    assert.ok(ids.indexOf('notes-api-read') < ids.indexOf('notes-api'));
    assert.deepEqual(demoRules(false), DEMO_RULES);
    // The edge's own config loader takes them.
    const { config } = loadConfigObject(
      { hydra: { admin_url: 'http://127.0.0.1:4445' }, gateway: { rules } },
      { env: {} },
    );
    assert.equal(config.gateway.rules.length, rules.length);
  });
});

// Issue 14: `vestibule roles set <email> <role>` writes metadata_public.role through Kratos's admin
// API (the official SDK), here against the embedded identity server on free ports; and the role then
// reaches an app's profiles.role on its next login, unless the Kratos role did not change.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Configuration, FrontendApi, IdentityApi } from '@ory/client-fetch';
import { createVestibule, openProfileStore } from 'vestibule';
import { createLogger } from 'vestibule/edge';
import { main } from '../src/main.ts';
import { startEmbeddedIdentity, type EmbeddedIdentity } from '../src/stack/embedded-identity.ts';
import type { CLIIO } from '../src/terminal/io.ts';

let kratos: EmbeddedIdentity;
let identities: IdentityApi;
const PASSWORD = 'a-long-test-password-9f3k2';

before(async () => {
  kratos = await startEmbeddedIdentity({
    host: '127.0.0.1',
    publicPort: 0,
    adminPort: 0,
    edgeURL: 'http://127.0.0.1:4000',
    bcryptCost: 4,
    logger: createLogger({ level: 'error', write: () => {} }),
  });
  identities = new IdentityApi(new Configuration({ basePath: kratos.adminURL.replace(/\/$/, '') }));
});
after(() => kratos?.close());

function memoryIO(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CLIIO = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env,
    cwd: process.cwd(),
    untilStopped: () => Promise.resolve('SIGINT'),
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

async function createIdentity(email: string, metadata: Record<string, unknown> | null = null) {
  return identities.createIdentity({
    createIdentityBody: {
      schema_id: 'default',
      traits: { email },
      metadata_public: metadata,
      credentials: { password: { config: { password: PASSWORD } } },
    },
  });
}

const roles = async (args: string[], env: Record<string, string | undefined> = {}) => {
  const run = memoryIO({ VESTIBULE_KRATOS_ADMIN_URL: kratos.adminURL, ...env });
  const code = await main(['roles', ...args], run.io);
  return { code, out: run.out(), err: run.err() };
};

test('roles set writes metadata_public.role and keeps the other metadata; roles get shows it', async () => {
  const created = await createIdentity('set@example.com', { team: 'blue' });
  const set = await roles(['set', 'set@example.com', 'editor']);
  assert.equal(set.code, 0, set.err);
  assert.match(set.out, /set@example\.com: role \(none\) → editor/);
  const stored = await identities.getIdentity({ id: created.id });
  assert.deepEqual(stored.metadata_public, { team: 'blue', role: 'editor' });
  assert.deepEqual(stored.traits, { email: 'set@example.com' }, 'traits untouched');

  const again = await roles(['set', 'set@example.com', 'editor']);
  assert.match(again.out, /already has role editor/);
  const get = await roles(['get', 'set@example.com']);
  assert.equal(get.out, 'set@example.com: editor\n');
  await createIdentity('none@example.com');
  assert.match(
    (await roles(['get', 'none@example.com'])).out,
    /\(none: the default role applies\)/,
  );
});

test('an unknown email is a clear error (exit 1), not a new identity', async () => {
  const result = await roles(['set', 'nobody@example.com', 'admin']);
  assert.equal(result.code, 1);
  assert.match(
    result.err,
    /no identity with the email nobody@example\.com at http:\/\/127\.0\.0\.1:\d+/,
  );
  assert.doesNotMatch(result.err, /\n\s+at /, 'no stack trace');
});

test('usage errors exit 2: missing arguments, a bad role name, an unknown flag', async () => {
  for (const [args, expected] of [
    [['set', 'a@example.com'], /roles set: <role> is required/],
    [['set'], /roles set: <email> is required/],
    [['grant', 'a@example.com', 'admin'], /expected "set <email> <role>" or "get <email>"/],
    [['set', 'a@example.com', 'ad min'], /"ad min" is not a role name/],
    [['set', 'a@example.com', ''], /"" is not a role name/],
    [['set', 'a@example.com', 'admin', 'extra'], /unexpected argument "extra"/],
    [['set', 'a@example.com', 'admin', '--admn-url', 'x'], /Unknown option '--admn-url'/],
  ] as Array<[string[], RegExp]>) {
    const result = await roles(args);
    assert.equal(result.code, 2, args.join(' '));
    assert.match(result.err, expected);
  }
});

test('the admin URL: --admin-url, then the environment, then --config, then the demo default', async () => {
  await createIdentity('where@example.com');
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-roles-'));
  const config = join(dir, 'vestibule.yml');
  writeFileSync(config, `kratos: { admin_url: '${kratos.adminURL}' }\n`);
  const viaConfig = await roles(['set', 'where@example.com', 'auditor', '--config', config], {
    VESTIBULE_KRATOS_ADMIN_URL: undefined,
  });
  assert.equal(viaConfig.code, 0, viaConfig.err);
  const viaFlag = await roles(['get', 'where@example.com', '--admin-url', kratos.adminURL], {
    VESTIBULE_KRATOS_ADMIN_URL: 'http://127.0.0.1:9',
  });
  assert.equal(viaFlag.out, 'where@example.com: auditor\n');
  const unreachable = await roles(['get', 'where@example.com'], {
    VESTIBULE_KRATOS_ADMIN_URL: 'http://127.0.0.1:9',
  });
  assert.equal(unreachable.code, 1);
  assert.match(unreachable.err, /Kratos admin API at http:\/\/127\.0\.0\.1:9 is unreachable/);
  const help = memoryIO();
  assert.equal(await main(['roles', '--help'], help.io), 0);
  assert.match(help.out(), /default http:\/\/127\.0\.0\.1:4434/);
});

test('end to end: roles set reaches profiles.role on the next login; an operator update survives until then', async () => {
  const created = await createIdentity('sync@example.com');
  const frontend = new FrontendApi(
    new Configuration({ basePath: kratos.publicURL.replace(/\/$/, '') }),
  );
  const flow = await frontend.createNativeLoginFlow();
  const login = await frontend.updateLoginFlow({
    flow: flow.id,
    updateLoginFlowBody: { method: 'password', identifier: 'sync@example.com', password: PASSWORD },
  });
  const token = login.session_token!;
  let clock = Date.parse('2030-01-01T00:00:00Z');
  const now = () => clock;
  const store = await openProfileStore({ database: 'memory', now, touchIntervalMs: 1_000 });
  try {
    const app = createVestibule({
      mode: 'direct',
      kratosPublicURL: kratos.publicURL,
      profiles: store,
      cache: { ttlMs: 1 }, // each request asks Kratos again, as a new login would
      now,
    });
    const request = () => new Request('http://app/', { headers: { 'x-session-token': token } });
    assert.equal((await app.getUser(request()))?.role, 'user');
    await store.db
      .updateTable('profiles')
      .set({ role: 'support' })
      .where('id', '=', created.id)
      .execute();
    clock += 5_000;
    assert.equal((await app.getUser(request()))?.role, 'support', 'the operator’s role stands');
    assert.equal((await roles(['set', 'sync@example.com', 'admin'])).code, 0);
    clock += 5_000;
    assert.equal((await app.getUser(request()))?.role, 'admin', 'the Kratos role changed: it wins');
  } finally {
    await store.close();
  }
});

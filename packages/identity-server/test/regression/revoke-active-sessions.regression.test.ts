// Issue 13: the `revoke_active_sessions` hook (Kratos selfservice/hook/session_destroyer.go) was
// accepted in kratos.yml but ignored after recovery. After a successful recovery every other
// session of the identity is revoked (the one recovery issues stays); after a password change in
// settings every other session is revoked (the current one stays). Both are on by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, SHIPPED_CONFIG_PATH, afterHooks } from '../../src/config/index.ts';
import type { TestClient } from '../support/http-client.ts';
import {
  csrfOf,
  flowFromUIRedirect,
  lifecycleSetup,
  loginBrowser,
  registerIdentity,
  type Flow,
  type Lifecycle,
} from '../recovery/support.ts';

const PASSWORD = 'correct horse battery staple';

/** A second, independent session: an API login, i.e. a session token. */
async function apiLogin(life: Lifecycle, email: string): Promise<string> {
  const api = life.browser();
  const flow = (await (await api.request('/self-service/login/api')).json()) as Flow;
  const res = await api.request(flow.ui.action, {
    method: 'POST',
    json: { method: 'password', identifier: email, password: PASSWORD },
  });
  assert.equal(res.status, 200, await res.clone().text());
  return ((await res.json()) as { session_token: string }).session_token;
}

const whoami = (life: Lifecycle, token: string) =>
  life
    .browser()
    .request('/sessions/whoami', { headers: { 'x-session-token': token } })
    .then((r) => r.status);

/** Recovers `email` with a browser flow by code; the client then holds the recovery session. */
async function recoverByCode(life: Lifecycle, client: TestClient, email: string) {
  let flow = await flowFromUIRedirect(
    client,
    await client.request('/self-service/recovery/browser'),
    'recovery',
  );
  const sent = await client.request(flow.ui.action, {
    method: 'POST',
    form: { csrf_token: csrfOf(flow), method: 'code', email },
  });
  flow = await flowFromUIRedirect(client, sent, 'recovery');
  const code = await life.lastCode(email);
  const done = await client.request(flow.ui.action, {
    method: 'POST',
    form: { csrf_token: csrfOf(flow), method: 'code', code: code! },
  });
  assert.equal(done.status, 303, await done.clone().text());
  return new URL(done.headers.get('location')!).searchParams.get('flow')!;
}

test('the shipped kratos.yml turns revoke_active_sessions on after recovery and after a password change', async () => {
  const { config } = await loadConfig(SHIPPED_CONFIG_PATH, { env: {} });
  assert.deepEqual(afterHooks(config, 'recovery'), ['revoke_active_sessions']);
  assert.deepEqual(afterHooks(config, 'settings', 'password'), ['revoke_active_sessions']);
});

test('recovery revokes every other session of the identity; the session recovery issued stays', async () => {
  const life = await lifecycleSetup();
  const { token: first } = await registerIdentity(life, 'rita@example.org', PASSWORD);
  const second = await apiLogin(life, 'rita@example.org');
  const bystander = (await registerIdentity(life, 'sam@example.org', PASSWORD)).token;
  assert.equal(await whoami(life, second), 200);

  const recovering = life.browser();
  await recoverByCode(life, recovering, 'rita@example.org');
  assert.equal((await recovering.request('/sessions/whoami')).status, 200, 'recovery session');
  assert.equal(await whoami(life, first), 401, 'the other sessions are revoked');
  assert.equal(await whoami(life, second), 401);
  assert.equal(await whoami(life, bystander), 200, "another identity's session is untouched");
});

test('without the hook, recovery leaves the other sessions alone (Kratos default)', async () => {
  const life = await lifecycleSetup({
    selfservice: { flows: { recovery: { after: { hooks: [] } } } },
  });
  const { token } = await registerIdentity(life, 'tom@example.org', PASSWORD);
  await recoverByCode(life, life.browser(), 'tom@example.org');
  assert.equal(await whoami(life, token), 200);
});

test('a password change in settings revokes every other session; the current one stays', async () => {
  const life = await lifecycleSetup();
  await registerIdentity(life, 'uma@example.org', PASSWORD);
  const other = await apiLogin(life, 'uma@example.org');
  const current = life.browser();
  assert.equal((await loginBrowser(current, 'uma@example.org', PASSWORD)).status, 200);
  const init = await current.request('/self-service/settings/browser', {
    headers: { accept: 'application/json' },
  });
  const flow = (await init.json()) as Flow;
  const res = await current.request(flow.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(flow), method: 'password', password: 'a brand new passphrase' },
  });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal((await current.request('/sessions/whoami')).status, 200, 'the current session');
  assert.equal(await whoami(life, other), 401, 'the other session is revoked');
});

// A failing or hung `web_hook` after a password change must not keep other sessions alive: the
// embedded server runs `revoke_active_sessions` before the settings web hooks, so whoever held a
// session obtained with the old password loses it even when the hook then fails the flow (502).
// Recovery likewise revokes before its after web hooks run.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIdentityServer } from '../../src/server.ts';
import { createMemoryContext } from '../support/memory-context.ts';
import { createClient } from '../support/http-client.ts';

const PASSWORD = 'the old passphrase';
let calls = 0;
const failing = createServer((req, res) => {
  calls++;
  req.resume();
  res.writeHead(500).end();
});
let hookURL = '';

before(async () => {
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  hookURL = `http://127.0.0.1:${(failing.address() as AddressInfo).port}/hook`;
});
after(() => failing.close());

test('a failing web hook after a password change still leaves other sessions revoked', async () => {
  const context = await createMemoryContext({
    selfservice: {
      flows: {
        settings: {
          after: {
            password: {
              hooks: [
                { hook: 'web_hook', config: { url: hookURL, method: 'POST' } },
                { hook: 'revoke_active_sessions' },
              ],
            },
          },
        },
      },
    },
  });
  const server = await createIdentityServer({ context });
  const api = createClient(context.config.serve.public.base_url, server.publicHandler);
  const reg = (await (await api.request('/self-service/registration/api')).json()) as {
    ui: { action: string };
  };
  const registered = await api.request(reg.ui.action, {
    method: 'POST',
    json: { method: 'password', traits: { email: 'victim@example.com' }, password: PASSWORD },
  });
  const current = ((await registered.json()) as { session_token: string }).session_token;
  // The attacker's session, obtained with the old password.
  const login = (await (await api.request('/self-service/login/api')).json()) as {
    ui: { action: string };
  };
  const stolen = (
    (await (
      await api.request(login.ui.action, {
        method: 'POST',
        json: { method: 'password', identifier: 'victim@example.com', password: PASSWORD },
      })
    ).json()) as { session_token: string }
  ).session_token;

  const headers = { 'x-session-token': current };
  const flow = (await (await api.request('/self-service/settings/api', { headers })).json()) as {
    ui: { action: string };
  };
  const changed = await api.request(flow.ui.action, {
    method: 'POST',
    headers,
    json: { method: 'password', password: 'a brand new passphrase' },
  });
  assert.equal(changed.status, 502, 'the failing hook fails the flow');
  assert.equal(calls, 1);
  const whoami = (token: string) =>
    api.request('/sessions/whoami', { headers: { 'x-session-token': token } });
  assert.equal((await whoami(stolen)).status, 401, 'the stolen session is revoked');
  assert.equal((await whoami(current)).status, 200, 'the session that changed it stays');
});

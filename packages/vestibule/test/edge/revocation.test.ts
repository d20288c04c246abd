// Revoked sessions are refused by the gateway on the very next request, through the assembled edge
// (proxy + gateway + embedded identity server with `revoke_active_sessions` after a password change):
// two browsers sign in, both reach a `required` route (so both sessions sit in the edge's cache with
// a long TTL), then one of them changes the password or revokes the other sessions through the proxy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CookieJar } from 'tough-cookie';
import { createIdentityServer, defaultConfig } from '@vestibule/identity-server';
import type { IdentityServer, Listening } from '@vestibule/identity-server';
import { loadConfigObject } from '../../src/config/index.ts';
import type { RunningEdge } from '../../src/edge/start-edge.ts';
import { startTestEdge } from '../support/edge.ts';
import { startUpstream, type Upstream } from '../support/gateway-stack.ts';

const PASSWORD = 'a-long-test-password-42!';
const REVOKE_SECRET = 'edge-revocation-secret-0123456789abcdef';

let identity: IdentityServer;
let kratos: Listening;
let upstream: Upstream;
let edge: RunningEdge;

interface Flow {
  ui: { action: string; nodes: Array<{ attributes: { name?: string; value?: unknown } }> };
}

before(async () => {
  identity = await createIdentityServer({
    config: defaultConfig({
      serve: { public: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
      selfservice: {
        flows: {
          settings: { after: { password: { hooks: [{ hook: 'revoke_active_sessions' }] } } },
        },
      },
      hashers: { bcrypt: { cost: 4 } },
    }),
    log: () => {},
  });
  kratos = await identity.listen();
  upstream = await startUpstream();
  const { config } = loadConfigObject(
    {
      // Kratos describes itself by its configured base_url; the listener took a free port.
      kratos: { public_url: kratos.publicURL, browser_url: 'http://localhost:4433/' },
      gateway: {
        upstream_url: upstream.url,
        header_secret: 'a-header-secret-of-at-least-32-characters',
        // A long TTL: without eviction a revoked session would be served from the cache.
        session_cache: { ttl: 600_000 },
        rules: [{ id: 'account', path: '/account', mode: 'required' }],
        revocation: { secret: REVOKE_SECRET },
      },
    },
    { env: {} },
  );
  edge = await startTestEdge(config);
});

after(async () => {
  await edge?.close();
  await upstream?.close();
  await kratos?.close();
  await identity?.close();
});

/** A browser speaking JSON to the same-origin proxy (an SPA), with its own cookie jar. */
function newBrowser() {
  const jar = new CookieJar();
  return async (path: string, init: { method?: string; json?: unknown } = {}) => {
    const url = new URL(path, edge.url).href;
    const headers = new Headers({ accept: 'application/json' });
    const cookie = await jar.getCookieString(url);
    if (cookie) headers.set('cookie', cookie);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    const res = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
      redirect: 'manual',
    });
    for (const line of res.headers.getSetCookie()) await jar.setCookie(line, url);
    return res;
  };
}
type Browser = ReturnType<typeof newBrowser>;

async function submitFlow(browser: Browser, start: string, fields: Record<string, unknown>) {
  const started = await browser(start);
  assert.equal(started.status, 200, start);
  const flow = (await started.json()) as Flow;
  const csrf = flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')?.attributes.value;
  const action = new URL(flow.ui.action);
  assert.match(action.pathname, /^\/api\/ory\//, 'the action points at the edge proxy');
  return browser(action.pathname + action.search, {
    method: 'POST',
    json: { csrf_token: csrf, ...fields },
  });
}

async function signedInTwice(): Promise<[Browser, Browser, string]> {
  const email = `rev-${crypto.randomUUID()}@example.com`;
  const created = await fetch(`${kratos.adminURL.replace(/\/$/, '')}/admin/identities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      schema_id: 'default',
      traits: { email },
      credentials: { password: { config: { password: PASSWORD } } },
    }),
  });
  assert.equal(created.status, 201);
  const identityId = ((await created.json()) as { id: string }).id;
  const browsers = [newBrowser(), newBrowser()] as const;
  for (const browser of browsers) {
    const login = await submitFlow(browser, '/api/ory/self-service/login/browser', {
      method: 'password',
      identifier: email,
      password: PASSWORD,
    });
    assert.equal(login.status, 200, await login.clone().text());
    // Both sessions are now validated once and cached by the gateway (TTL 10 min).
    assert.equal((await browser('/account')).status, 200);
    assert.equal((await browser('/account')).status, 200);
  }
  return [...browsers, identityId];
}

test('password change with revoke_active_sessions: the other browser is refused on its very next request', async () => {
  const [changer, other] = await signedInTwice();
  const changed = await submitFlow(changer, '/api/ory/self-service/settings/browser', {
    method: 'password',
    password: `${PASSWORD}-changed`,
  });
  assert.equal(changed.status, 200, await changed.clone().text());
  const refused = await other('/account');
  assert.equal(refused.status, 401, 'the revoked session is not served from the cache');
  assert.equal(
    ((await refused.json()) as { error: { code: string } }).error.code,
    'SESSION_REQUIRED',
  );
  assert.equal((await changer('/account')).status, 200, 'the browser that changed it stays in');
});

test('DELETE /sessions (revoke my other sessions) through the proxy: the other browser is refused next', async () => {
  const [keeper, other] = await signedInTwice();
  const revoked = await keeper('/api/ory/sessions', { method: 'DELETE' });
  assert.equal(revoked.status, 200, await revoked.clone().text());
  assert.equal((await other('/account')).status, 401);
  assert.equal((await keeper('/account')).status, 200);
});

test('logout through the proxy: that browser is refused next, the other one is not', async () => {
  const [leaver, stayer] = await signedInTwice();
  const started = await leaver('/api/ory/self-service/logout/browser');
  assert.equal(started.status, 200);
  const { logout_url } = (await started.json()) as { logout_url: string };
  const logoutURL = new URL(logout_url);
  assert.ok([200, 204, 303].includes((await leaver(logoutURL.pathname + logoutURL.search)).status));
  assert.equal((await leaver('/account')).status, 401);
  assert.equal((await stayer('/account')).status, 200);
});

test('admin revocation (Kratos admin API) + the edge webhook: both browsers are refused next', async () => {
  const [a, b, identityId] = await signedInTwice();
  const admin = kratos.adminURL.replace(/\/$/, '');
  const deleted = await fetch(`${admin}/admin/identities/${identityId}/sessions`, {
    method: 'DELETE',
  });
  assert.equal(deleted.status, 204);
  const hook = await fetch(`${edge.url}/.vestibule/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${REVOKE_SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify({ identity_id: identityId }),
  });
  assert.equal(hook.status, 200);
  assert.deepEqual(await hook.json(), { evicted: 2 });
  assert.equal((await a('/account')).status, 401);
  assert.equal((await b('/account')).status, 401);
});

// The gateway and direct-mode getUser() against the embedded Kratos-compatible identity server
// (not the fake): a real API registration, whoami through the cache, logout and admin revocation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createIdentityServer, defaultConfig, type Listening } from '@vestibule/identity-server';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { createVestibule } from '../../src/app/vestibule.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { SECRET, startUpstream, type Upstream } from '../support/gateway-stack.ts';

let identity: Awaited<ReturnType<typeof createIdentityServer>>;
let kratos: Listening;
let upstream: Upstream;
let gateway: Gateway;
let edge: Server;
let edgeURL: string;

before(async () => {
  identity = await createIdentityServer({
    config: defaultConfig({
      serve: { public: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
      hashers: { bcrypt: { cost: 4 } },
    }),
    log: () => {},
  });
  kratos = await identity.listen();
  upstream = await startUpstream();
  gateway = createGateway({
    upstreamURL: upstream.url,
    kratosPublicURL: kratos.publicURL,
    headerSecret: SECRET,
    cache: { ttlMs: 60_000 },
    logger: createMemoryLogger(),
    rules: [
      { path: '/account', mode: 'required' },
      { path: '/admin', mode: 'role', roles: ['admin'] },
      { path: '/', mode: 'optional' },
    ],
  });
  edge = createServer((req, res) => void gateway.handle(req, res));
  await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
  edgeURL = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;
});

after(async () => {
  edge.closeAllConnections();
  await new Promise<void>((resolve) => edge.close(() => resolve()));
  await gateway.close();
  await upstream.close();
  await kratos.close();
  await identity.close();
});

async function register(
  email: string,
): Promise<{ token: string; identityId: string; sessionId: string }> {
  const flow = (await (
    await fetch(`${kratos.publicURL.replace(/\/$/, '')}/self-service/registration/api`)
  ).json()) as { ui: { action: string } };
  const action = new URL(flow.ui.action); // names the configured base_url; the listener took a free port
  const res = await fetch(
    `${kratos.publicURL.replace(/\/$/, '')}${action.pathname}${action.search}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        method: 'password',
        password: 'a-long-test-password-42!',
        traits: { email },
      }),
    },
  );
  const body = (await res.json()) as {
    session_token?: string;
    identity?: { id: string };
    session?: { id: string };
  };
  assert.equal(res.status, 200, JSON.stringify(body).slice(0, 300));
  return { token: body.session_token!, identityId: body.identity!.id, sessionId: body.session!.id };
}

const call = (path: string, token?: string) =>
  fetch(edgeURL + path, {
    headers: { accept: 'application/json', ...(token ? { 'x-session-token': token } : {}) },
  });

test('a real session reaches the app with signed identity headers; role from metadata_public', async () => {
  const alice = await register('alice@example.com');
  assert.equal((await call('/account', alice.token)).status, 200);
  assert.equal(upstream.seen.at(-1)!.headers['x-user-id'], alice.identityId);
  assert.equal(upstream.seen.at(-1)!.headers['x-user-email'], 'alice@example.com');
  assert.equal((await call('/admin', alice.token)).status, 403);
  assert.equal((await call('/account')).status, 401);
  assert.equal(
    (await call('/', 'not-a-token')).status,
    200,
    'invalid token on optional → anonymous',
  );
});

test('native logout + onLogout → the very next request is refused', async () => {
  const bob = await register('bob@example.com');
  assert.equal((await call('/account', bob.token)).status, 200);
  const logout = await fetch(`${kratos.publicURL.replace(/\/$/, '')}/self-service/logout/api`, {
    method: 'DELETE',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ session_token: bob.token }),
  });
  assert.equal(logout.status, 204);
  assert.equal((await call('/account', bob.token)).status, 200, 'cached until evicted (TTL 60 s)');
  await gateway.onLogout(new Headers({ 'x-session-token': bob.token }));
  assert.equal((await call('/account', bob.token)).status, 401);
});

test('admin revocation (DELETE /admin/sessions/{id}) + gateway.revoke → next request refused', async () => {
  const carol = await register('carol@example.com');
  assert.equal((await call('/account', carol.token)).status, 200);
  const admin = kratos.adminURL.replace(/\/$/, '');
  const revoked = await fetch(`${admin}/admin/sessions/${carol.sessionId}`, { method: 'DELETE' });
  assert.equal(revoked.status, 204);
  assert.equal((await call('/account', carol.token)).status, 200, 'cached until the edge is told');
  assert.equal(await gateway.revoke({ sessionId: carol.sessionId }), 1);
  assert.equal((await call('/account', carol.token)).status, 401);
});

test('direct-mode getUser against the real server: user, anonymous, and the full session', async () => {
  const dave = await register('dave@example.com');
  const vestibule = createVestibule({ mode: 'direct', kratosPublicURL: kratos.publicURL });
  const user = await vestibule.getUser(
    new Request('http://app/x', { headers: { authorization: `Bearer ${dave.token}` } }),
  );
  assert.equal(user?.id, dave.identityId);
  assert.equal(user?.email, 'dave@example.com');
  assert.equal(user?.role, 'user');
  assert.equal(user?.session?.identity.id, dave.identityId);
  assert.equal(user?.traits.email, 'dave@example.com');
  assert.equal(await vestibule.getUser(new Request('http://app/x')), null);
});

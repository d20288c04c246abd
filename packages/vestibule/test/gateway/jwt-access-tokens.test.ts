// The gateway with hydra.access_token_strategy jwt against the real embedded server running
// `strategies.access_token: jwt`: its JWTs verify against its JWKS over HTTP with no introspection,
// scopes come from `scp`, a missing scope is 403, and a JWT revoked through the edge's webhook stops
// passing before its exp.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startConfiguredEdge } from '../support/configured-edge.ts';
import { SECRET, startGatewayStack, type Stack } from '../support/gateway-stack.ts';
import { startEmbeddedHydra, type EmbeddedHydra } from '../support/oauth2-server.ts';

const WEBHOOK_SECRET = 'a-revocation-secret-of-32-characters!!';

let hydra: EmbeddedHydra;
let stack: Stack;
let client: { id: string; secret: string };
let introspections = 0;
let jwksFetches = 0;

before(async () => {
  hydra = await startEmbeddedHydra({ accessTokenStrategy: 'jwt' });
  client = await hydra.createClient('email profile');
  stack = await startGatewayStack({
    rules: [
      { id: 'notes', path: '/api/notes/**', mode: 'required' as const, scopes: ['email'] },
      { id: 'admin', path: '/api/admin/**', mode: 'required' as const, scopes: ['admin'] },
    ],
    accessTokens: {
      hydraAdminURL: hydra.adminURL,
      strategy: 'jwt',
      jwt: { hydraPublicURL: hydra.publicURL, issuer: hydra.server.config.urls.self.issuer },
    },
    revocation: { secret: WEBHOOK_SECRET },
    fetch: (input, init) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.endsWith('/admin/oauth2/introspect')) introspections++;
      if (url.endsWith('/.well-known/jwks.json')) jwksFetches++;
      return fetch(input, init);
    },
  });
});
after(async () => {
  await stack?.close();
  await hydra?.close();
});

async function call(path: string, token: string) {
  const before = stack.upstream.seen.length;
  const response = await fetch(`${stack.url}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  await response.body?.cancel();
  return { status: response.status, seen: stack.upstream.seen.slice(before) };
}

test("the embedded server's JWT passes on the JWKS alone: sub, scopes from scp", async () => {
  const { access_token: token } = await hydra.mint(client, 'email');
  const { status, seen } = await call('/api/notes/1', token!);
  assert.equal(status, 200);
  assert.equal(seen[0]!.headers['x-user-id'], client.id);
  assert.equal(seen[0]!.headers['x-user-scopes'], 'email');
  assert.equal(introspections, 0, 'no call to Hydra per token');
  assert.equal(jwksFetches, 1);
  assert.equal((await call('/api/admin/1', token!)).status, 403, 'admin scope not granted');
});

test('a JWT revoked through the webhook is refused before its exp', async () => {
  const { access_token: token } = await hydra.mint(client, 'email');
  assert.equal((await call('/api/notes/2', token!)).status, 200);
  const hook = await fetch(`${stack.url}/.vestibule/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify({ access_token: token }),
  });
  assert.equal(hook.status, 200);
  assert.equal((await call('/api/notes/2', token!)).status, 401);
});

test('a JWT named by its jti (as the embedded server reports it) is refused too', async () => {
  const { access_token: token } = await hydra.mint(client, 'email');
  assert.equal((await call('/api/notes/4', token!)).status, 200);
  const jti = JSON.parse(Buffer.from(token!.split('.')[1]!, 'base64url').toString()).jti;
  const hook = await fetch(`${stack.url}/.vestibule/revoke`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify({ access_token_jti: jti }),
  });
  assert.equal(hook.status, 200);
  assert.equal((await call('/api/notes/4', token!)).status, 401);
});

test('an opaque token is refused in jwt mode; a tampered JWT is refused', async () => {
  assert.equal((await call('/api/notes/3', 'ory_at_0123456789abcdefghij')).status, 401);
  const { access_token: token } = await hydra.mint(client, 'email');
  const [header, payload, signature] = token!.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
  const forged = Buffer.from(JSON.stringify({ ...claims, scp: ['admin'] })).toString('base64url');
  assert.equal((await call('/api/admin/1', `${header}.${forged}.${signature}`)).status, 401);
  assert.equal(introspections, 0);
});

test('the edge assembled from vestibule.yml (hydra.access_token_strategy: jwt) verifies them', async () => {
  const edge = await startConfiguredEdge({
    kratos: { public_url: stack.kratos.url },
    hydra: {
      admin_url: hydra.adminURL,
      public_url: hydra.publicURL,
      access_token_strategy: 'jwt',
    },
    gateway: {
      upstream_url: stack.upstream.url,
      header_secret: SECRET,
      rules: [{ path: '/api/notes/**', mode: 'required', scopes: ['email'] }],
    },
  });
  try {
    const { access_token: token } = await hydra.mint(client, 'email');
    const ok = await fetch(`${edge.url}/api/notes/9`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    assert.equal(ok.status, 200);
    assert.equal(((await ok.json()) as { user: string }).user, client.id);
  } finally {
    await edge.close();
  }
});

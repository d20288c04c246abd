// A cached access token's identity is projected once and reused (issue 16: the access-token path
// at the cost of the session path): every request with the token gets the same, correctly signed
// identity and x-user-scopes; rule template headers still follow the scopes under one signature;
// the User handed to permission checks is frozen (a check cannot change what the next request
// sees); and a revocation still ends the reuse at once.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createHeaderVerifier } from '../../src/identity-headers/verify.ts';
import type { PermissionCheckInput } from '../../src/gateway/authorize.ts';
import { SECRET, startGatewayStack, type Stack } from '../support/gateway-stack.ts';
import { startEmbeddedHydra, type EmbeddedHydra } from '../support/oauth2-server.ts';

let hydra: EmbeddedHydra;
let stack: Stack;
let client: { id: string; secret: string };
const checked: PermissionCheckInput[] = [];

before(async () => {
  hydra = await startEmbeddedHydra();
  client = await hydra.createClient('openid notes.read');
  stack = await startGatewayStack({
    rules: [
      { id: 'plain', path: '/api/plain/**', mode: 'required', scopes: ['notes.read'] },
      {
        id: 'templated',
        path: '/api/templated/**',
        mode: 'required',
        scopes: ['notes.read'],
        headers: { 'x-subject': '{{ .Subject }}' },
      },
      {
        id: 'checked',
        path: '/api/checked/**',
        mode: 'permission',
        credentials: ['access_token'],
        permission: { namespace: 'notes', relation: 'read' },
      },
    ],
    accessTokens: { hydraAdminURL: hydra.adminURL, ttlMs: 60_000 },
    checkPermission: async (input) => {
      checked.push(input);
      return true;
    },
  });
});
after(async () => {
  await stack?.close();
  await hydra?.close();
});

async function seen(path: string, token: string) {
  const before = stack.upstream.seen.length;
  const response = await fetch(`${stack.url}${path}`, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
  });
  await response.arrayBuffer();
  assert.equal(response.status, 200, path);
  return stack.upstream.seen[before]!.headers;
}

function verify(headers: Record<string, unknown>, path: string) {
  return createHeaderVerifier({ secret: SECRET })(
    { get: (name) => (headers[name] as string | undefined) ?? null },
    { method: 'GET', path },
  );
}

test('every request with a cached token carries the same identity, freshly signed', async () => {
  const { access_token } = await hydra.mint(client, 'openid notes.read');
  const first = await seen('/api/plain/1', access_token!);
  const second = await seen('/api/plain/2', access_token!);
  for (const [headers, path] of [
    [first, '/api/plain/1'],
    [second, '/api/plain/2'],
  ] as const) {
    assert.equal(headers['x-user-id'], client.id);
    assert.equal(headers['x-user-scopes'], 'openid%20notes.read');
    const verdict = verify(headers, path);
    assert.equal(verdict.state, 'user');
    assert.equal(
      verdict.state === 'user' && verdict.headers.get('x-user-scopes'),
      'openid notes.read',
    );
  }
  // One signature per request: never a replayable one reused from the cache.
  assert.notEqual(first['x-vestibule-signature'], second['x-vestibule-signature']);
});

test('rule template headers are signed after the scopes', async () => {
  const { access_token } = await hydra.mint(client, 'notes.read');
  const headers = await seen('/api/templated/1', access_token!);
  assert.match(String(headers['x-vestibule-signature']), /;h=x-user-scopes,x-subject;/);
  assert.equal(headers['x-subject'], client.id);
  const verdict = verify(headers, '/api/templated/1');
  assert.equal(verdict.state, 'user');
  // The plain rule, after the templated one, still signs the scopes alone.
  const plain = await seen('/api/plain/3', access_token!);
  assert.match(String(plain['x-vestibule-signature']), /;h=x-user-scopes;/);
});

test('the User a permission check gets is frozen, the same on every request', async () => {
  const { access_token } = await hydra.mint(client, 'notes.read');
  checked.length = 0;
  await seen('/api/checked/1', access_token!);
  await seen('/api/checked/2', access_token!);
  assert.equal(checked.length, 2);
  assert.ok(Object.isFrozen(checked[0]!.user));
  assert.equal(checked[0]!.user, checked[1]!.user);
  assert.throws(() => {
    (checked[0]!.user as { role: string }).role = 'admin';
  }, TypeError);
});

test('a revocation reaching the edge ends the reuse at once', async () => {
  const { access_token } = await hydra.mint(client, 'notes.read');
  await seen('/api/plain/4', access_token!);
  await hydra.revoke(client, access_token!);
  assert.equal(await stack.gateway.revoke({ accessToken: access_token! }), 1);
  const response = await fetch(`${stack.url}/api/plain/5`, {
    headers: { authorization: `Bearer ${access_token}`, accept: 'application/json' },
  });
  await response.arrayBuffer();
  assert.equal(response.status, 401);
});

// Hydra access tokens at the gateway, against the real embedded Hydra-compatible server
// (client_credentials tokens): sub → x-user-id, granted scopes → the signed x-user-scopes header,
// rules requiring scopes, inactive and revoked tokens, and Kratos never shown an access token.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createGateway } from '../../src/gateway/index.ts';
import { createHeaderVerifier } from '../../src/identity-headers/verify.ts';
import { createVestibule } from '../../src/index.ts';
import { SECRET, startGatewayStack, withCookie, type Stack } from '../support/gateway-stack.ts';
import { startConfiguredEdge } from '../support/configured-edge.ts';
import { startEmbeddedHydra, type EmbeddedHydra } from '../support/oauth2-server.ts';

const RULES = [
  { id: 'notes', path: '/api/notes/**', mode: 'required' as const, scopes: ['email'] },
  {
    id: 'tokens-only',
    path: '/api/machine',
    mode: 'required' as const,
    credentials: ['access_token' as const],
  },
  { id: 'account', path: '/account', mode: 'required' as const },
];

let hydra: EmbeddedHydra;
let stack: Stack;
let client: { id: string; secret: string };
let introspections = 0;

before(async () => {
  hydra = await startEmbeddedHydra();
  client = await hydra.createClient('openid email profile');
  stack = await startGatewayStack({
    rules: RULES,
    accessTokens: { hydraAdminURL: hydra.adminURL, ttlMs: 60_000 },
    fetch: (input, init) => {
      if (String(input).endsWith('/admin/oauth2/introspect')) introspections++;
      return fetch(input, init);
    },
  });
});
after(async () => {
  await stack?.close();
  await hydra?.close();
});

const bearer = (token: string) => ({
  authorization: `Bearer ${token}`,
  accept: 'application/json',
});

async function call(path: string, headers: Record<string, string>) {
  const before = stack.upstream.seen.length;
  const response = await fetch(`${stack.url}${path}`, { headers });
  const text = await response.text();
  return { response, text, seen: stack.upstream.seen.slice(before) };
}

describe('Hydra access tokens at the gateway', () => {
  test('a token with the needed scope passes: sub is x-user-id, scopes are signed', async () => {
    const { access_token } = await hydra.mint(client, 'openid email');
    const { response, seen } = await call('/api/notes/1', bearer(access_token!));
    assert.equal(response.status, 200);
    assert.equal(seen.length, 1);
    const headers = seen[0]!.headers;
    assert.equal(headers['x-user-id'], client.id);
    // Header-encoded like every identity value (a space is outside visible ASCII).
    assert.equal(headers['x-user-scopes'], 'openid%20email');
    assert.equal(headers['x-user-email'], '');
    const verdict = createHeaderVerifier({ secret: SECRET })(
      { get: (name) => (headers[name] as string | undefined) ?? null },
      { method: 'GET', path: '/api/notes/1' },
    );
    assert.equal(verdict.state, 'user');
    assert.equal(verdict.state === 'user' && verdict.headers.get('x-user-scopes'), 'openid email');
  });

  test("the app library's verified User carries the scopes", async () => {
    const { access_token } = await hydra.mint(client, 'openid email');
    const { seen } = await call('/api/notes/2', bearer(access_token!));
    const vestibule = createVestibule({ mode: 'header', headerSecret: SECRET });
    const request = new Request('http://app.test/api/notes/2', {
      headers: Object.entries(seen[0]!.headers).map(([k, v]): [string, string] => [k, String(v)]),
    });
    const user = await vestibule.getUser(request);
    assert.equal(user?.id, client.id);
    assert.deepEqual(user?.scopes, ['openid', 'email']);
  });

  test('a missing scope is 403 INSUFFICIENT_SCOPE with WWW-Authenticate, and nothing is forwarded', async () => {
    const { access_token } = await hydra.mint(client, 'openid profile');
    const { response, text, seen } = await call('/api/notes/1', bearer(access_token!));
    assert.equal(response.status, 403);
    assert.equal(JSON.parse(text).error.code, 'INSUFFICIENT_SCOPE');
    assert.equal(
      response.headers.get('www-authenticate'),
      'Bearer error="insufficient_scope", scope="email"',
    );
    assert.equal(seen.length, 0);
  });

  test('an unknown or revoked token is 401 invalid_token', async () => {
    for (const token of [
      'ory_at_not-a-token-at-all',
      (await hydra.mint(client, 'email')).access_token!,
    ]) {
      if (token.startsWith('ory_at_') && !token.includes('not-a-token')) {
        await hydra.revoke(client, token);
      }
      const { response, text, seen } = await call('/api/notes/1', bearer(token));
      assert.equal(response.status, 401, token);
      assert.equal(JSON.parse(text).error.code, 'INVALID_TOKEN');
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
      assert.equal(seen.length, 0);
    }
  });

  test('a cached token is not introspected again', async () => {
    const { access_token } = await hydra.mint(client, 'email');
    await call('/api/notes/3', bearer(access_token!));
    const after = introspections;
    for (let i = 0; i < 3; i++) {
      assert.equal((await call('/api/notes/3', bearer(access_token!))).response.status, 200);
    }
    assert.equal(introspections, after);
  });

  test('a Kratos session passes a scoped rule, without x-user-scopes', async () => {
    const { token } = stack.kratos.addSession({ email: 'ada@example.com' });
    const { response, seen } = await call('/api/notes/1', withCookie(token));
    assert.equal(response.status, 200);
    assert.equal(seen[0]!.headers['x-user-email'], 'ada@example.com');
    assert.equal(seen[0]!.headers['x-user-scopes'], undefined);
  });

  test('a rule taking only access tokens refuses a Kratos session', async () => {
    const { token } = stack.kratos.addSession();
    const { response } = await call('/api/machine', {
      ...withCookie(token),
      accept: 'application/json',
    });
    assert.equal(response.status, 401);
    const { access_token } = await hydra.mint(client, 'openid');
    assert.equal((await call('/api/machine', bearer(access_token!))).response.status, 200);
  });
});

describe('Hydra unable to answer', () => {
  test('fails closed with 503', async () => {
    const down = await startGatewayStack({
      rules: RULES,
      // Nothing listens there: the introspection call fails.
      accessTokens: { hydraAdminURL: 'http://127.0.0.1:1', timeoutMs: 500 },
    });
    try {
      const response = await fetch(`${down.url}/api/notes/1`, {
        headers: bearer('ory_at_whatever'),
      });
      assert.equal(response.status, 503);
      assert.equal(
        ((await response.json()) as { error: { code: string } }).error.code,
        'IDENTITY_UNAVAILABLE',
      );
      assert.equal(down.upstream.seen.length, 0);
    } finally {
      await down.close();
    }
  });
});

describe('configuration', () => {
  test('a rule with scopes needs accessTokens (hydra.admin_url)', () => {
    assert.throws(
      () =>
        createGateway({
          upstreamURL: 'http://127.0.0.1:1',
          kratosPublicURL: 'http://127.0.0.1:2',
          headerSecret: SECRET,
          rules: RULES,
        }),
      /rule notes accepts access tokens/,
    );
  });
});

describe('the assembled edge from vestibule.yml', () => {
  test('hydra.admin_url and a rule with scopes are all it takes', async () => {
    const edge = await startConfiguredEdge({
      kratos: { public_url: stack.kratos.url },
      hydra: { admin_url: hydra.adminURL, introspection_cache_ttl: '5s' },
      gateway: {
        upstream_url: stack.upstream.url,
        header_secret: SECRET,
        rules: [{ path: '/api/notes/**', mode: 'required', scopes: ['email'] }],
      },
    });
    try {
      const granted = (await hydra.mint(client, 'openid email')).access_token!;
      const lacking = (await hydra.mint(client, 'openid')).access_token!;
      const ok = await fetch(`${edge.url}/api/notes/9`, { headers: bearer(granted) });
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as { user: string }).user, client.id);
      const refused = await fetch(`${edge.url}/api/notes/9`, { headers: bearer(lacking) });
      assert.equal(refused.status, 403);
      await refused.arrayBuffer();
    } finally {
      await edge.close();
    }
  });
});

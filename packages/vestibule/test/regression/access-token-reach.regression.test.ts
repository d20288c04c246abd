// Security regressions for Hydra access tokens at the gateway:
// - a token's client reaches only rules that accept access tokens: elsewhere it is no credential,
//   and Kratos is never shown it (a third-party client must not act on every route its user can);
// - a client-sent x-user-scopes never reaches the app nor counts as signed;
// - a refresh token Hydra introspects as active is not an access token;
// - a scope name cannot inject into WWW-Authenticate.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { compileRules } from '../../src/access/rules.ts';
import { createVestibule } from '../../src/index.ts';
import { SECRET, startGatewayStack, withCookie, type Stack } from '../support/gateway-stack.ts';
import { startEmbeddedHydra, type EmbeddedHydra } from '../support/oauth2-server.ts';

const RULES = [
  { id: 'notes', path: '/api/notes/**', mode: 'required' as const, scopes: ['email'] },
  { id: 'account', path: '/account', mode: 'required' as const },
];

let hydra: EmbeddedHydra;
let stack: Stack;
let client: { id: string; secret: string };

before(async () => {
  hydra = await startEmbeddedHydra();
  client = await hydra.createClient('openid email');
  stack = await startGatewayStack({
    rules: RULES,
    accessTokens: { hydraAdminURL: hydra.adminURL },
  });
});
after(async () => {
  await stack?.close();
  await hydra?.close();
});

describe('access-token reach', () => {
  test('a valid access token is no credential on a rule without access tokens; Kratos never sees it', async () => {
    const { access_token } = await hydra.mint(client, 'openid email');
    const before = stack.upstream.seen.length;
    const response = await fetch(`${stack.url}/account`, {
      headers: { authorization: `Bearer ${access_token}`, accept: 'application/json' },
    });
    assert.equal(response.status, 401);
    assert.equal(
      ((await response.json()) as { error: { code: string } }).error.code,
      'SESSION_REQUIRED',
    );
    assert.equal(stack.upstream.seen.length, before);
    assert.ok(
      stack.kratos.seen.every((r) => !JSON.stringify(r.headers).includes(access_token!)),
      'the access token went to Kratos',
    );
  });

  test('a client-sent x-user-scopes is stripped, and the app sees no scopes for a session', async () => {
    const { token } = stack.kratos.addSession({ email: 'ada@example.com' });
    const before = stack.upstream.seen.length;
    const response = await fetch(`${stack.url}/api/notes/1`, {
      headers: withCookie(token, { 'x-user-scopes': 'admin', X_User_Scopes: 'admin' }),
    });
    assert.equal(response.status, 200);
    const seen = stack.upstream.seen[before]!;
    assert.equal(seen.headers['x-user-scopes'], undefined);
    const user = await createVestibule({ mode: 'header', headerSecret: SECRET }).getUser(
      new Request('http://app.test/api/notes/1', {
        headers: [
          ...Object.entries(seen.headers).map(([k, v]): [string, string] => [k, String(v)]),
          ['x-user-scopes', 'admin'],
        ],
      }),
    );
    assert.equal(user?.email, 'ada@example.com');
    assert.equal(user?.scopes, undefined);
  });

  test('with a token, only the granted scopes arrive, whatever the client sent', async () => {
    const { access_token } = await hydra.mint(client, 'email');
    const before = stack.upstream.seen.length;
    await fetch(`${stack.url}/api/notes/1`, {
      headers: { authorization: `Bearer ${access_token}`, 'x-user-scopes': 'admin' },
    });
    const raw = stack.upstream.seen[before]!.rawHeaders;
    const values = raw.filter((_, i) => i % 2 === 1 && /^x-user-scopes$/i.test(raw[i - 1]!));
    assert.deepEqual(values, ['email']);
  });
});

describe('refresh tokens', () => {
  test('an active refresh token (token_use refresh_token) is refused as invalid_token', async () => {
    const standIn = await startGatewayStack({
      rules: RULES,
      accessTokens: { hydraAdminURL: 'http://hydra-admin.test' },
      fetch: async (input, init) => {
        if (String(input) === 'http://hydra-admin.test/admin/oauth2/introspect') {
          return Response.json({
            active: true,
            sub: 'identity-1',
            scope: 'email',
            exp: Math.floor(Date.now() / 1000) + 3600,
            token_use: 'refresh_token',
          });
        }
        return fetch(input, init);
      },
    });
    try {
      const response = await fetch(`${standIn.url}/api/notes/1`, {
        headers: { authorization: 'Bearer ory_at_really-a-refresh-token' },
      });
      assert.equal(response.status, 401);
      assert.equal(response.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
      assert.equal(standIn.upstream.seen.length, 0);
    } finally {
      await standIn.close();
    }
  });
});

describe('scope names', () => {
  test('a scope that could break out of WWW-Authenticate is a config error', () => {
    for (const scope of ['a"b', 'a b', 'a\\b', '']) {
      assert.throws(
        () => compileRules([{ path: '/x', mode: 'required', scopes: [scope] }]),
        /not a scope name/,
        scope,
      );
    }
    assert.throws(() => compileRules([{ path: '/x', mode: 'public', scopes: ['a'] }]), /no effect/);
    assert.throws(
      () =>
        compileRules([{ path: '/x', mode: 'required', credentials: ['cookie'], scopes: ['a'] }]),
      /access_token in credentials/,
    );
  });
});

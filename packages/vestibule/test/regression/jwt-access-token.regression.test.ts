// JWT access tokens at the edge (hydra.access_token_strategy jwt/auto): the attacks a JWT verifier
// must refuse, each a regression test. The JWKS is served through an injected fetch (no network);
// time comes from an injected clock.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { createAccessTokenVerifier } from '../../src/access-token/verifier.ts';
import { accessTokenJtiKey, accessTokenKey } from '../../src/access-token/key.ts';

const ISSUER = 'http://hydra.test:4444';
const NOW = Date.UTC(2026, 0, 1);

interface Key {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function rsaKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

let real: Key;
let rotated: Key;
let attacker: Key;

before(async () => {
  [real, rotated, attacker] = await Promise.all([rsaKey('k1'), rsaKey('k2'), rsaKey('k1')]);
});

function setup(
  options: {
    strategy?: 'jwt' | 'auto';
    keys?: () => JWK[];
    jwksDown?: boolean;
    maxEntries?: number;
  } = {},
) {
  let clock = NOW;
  const calls = { jwks: 0, introspect: 0 };
  const fetchLike = async (input: string | URL | Request) => {
    const url = String(input instanceof Request ? input.url : input);
    if (url.endsWith('/.well-known/jwks.json')) {
      calls.jwks++;
      if (options.jwksDown) throw new TypeError('fetch failed');
      return Response.json({ keys: (options.keys ?? (() => [real.jwk]))() });
    }
    calls.introspect++;
    return Response.json({ active: false });
  };
  const verifier = createAccessTokenVerifier({
    hydraAdminURL: 'http://hydra.test:4445',
    strategy: options.strategy ?? 'jwt',
    jwt: { hydraPublicURL: ISSUER, issuer: ISSUER, jwksCooldownMs: 0 },
    fetch: fetchLike as never,
    now: () => clock,
    ...(options.maxEntries ? { maxEntries: options.maxEntries } : {}),
  });
  return { verifier, calls, advance: (ms: number) => (clock += ms) };
}

function claims(extra: Record<string, unknown> = {}) {
  return { client_id: 'rp', scp: ['openid', 'notes.read'], ext: {}, aud: [], ...extra };
}

async function sign(
  key: Key,
  o: {
    iss?: string;
    exp?: number;
    header?: Record<string, unknown>;
    payload?: Record<string, unknown>;
  } = {},
): Promise<string> {
  return new SignJWT(o.payload ?? claims())
    .setProtectedHeader({ alg: 'RS256', kid: key.jwk.kid, typ: 'JWT', ...o.header })
    .setIssuer(o.iss ?? ISSUER)
    .setSubject('identity-1')
    .setJti(crypto.randomUUID())
    .setIssuedAt(Math.floor(NOW / 1000))
    .setExpirationTime(o.exp ?? Math.floor(NOW / 1000) + 3600)
    .sign(key.privateKey);
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JWT access tokens at the edge', () => {
  test('a Hydra JWT verifies: sub and the scp scopes', async () => {
    const { verifier } = setup();
    const token = await sign(real);
    assert.equal(verifier.tokenOf(`Bearer ${token}`), token);
    const grant = await verifier.lookup(token);
    assert.equal(grant?.subject, 'identity-1');
    assert.deepEqual(grant?.scopes, ['openid', 'notes.read']);
    assert.equal(grant?.clientId, 'rp');
    // Cached: the next request is decided synchronously.
    assert.equal(verifier.peek(token)?.subject, 'identity-1');
  });

  test('alg none is refused', async () => {
    const { verifier } = setup();
    const body = (await sign(real)).split('.')[1];
    const none = `${b64({ alg: 'none', typ: 'JWT', kid: 'k1' })}.${body}.${b64('x')}`;
    assert.equal(await verifier.lookup(none), null);
  });

  test('HS256 keyed with the public key (key confusion) is refused', async () => {
    const { verifier } = setup();
    const secret = new TextEncoder().encode(JSON.stringify(real.jwk));
    const hs = await new SignJWT(claims())
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setSubject('identity-1')
      .setJti('j')
      .setExpirationTime(Math.floor(NOW / 1000) + 3600)
      .sign(secret);
    assert.equal(await verifier.lookup(hs), null);
  });

  test('a wrong issuer is refused', async () => {
    const { verifier } = setup();
    assert.equal(await verifier.lookup(await sign(real, { iss: 'http://evil.test' })), null);
    assert.equal(await verifier.lookup(await sign(real, { iss: `${ISSUER}/` })), null);
  });

  test('an expired token is refused (beyond the 5 s clock skew); within the skew it passes', async () => {
    const { verifier } = setup();
    const exp = Math.floor(NOW / 1000) - 10;
    assert.equal(await verifier.lookup(await sign(real, { exp })), null);
    const justExpired = await sign(real, { exp: Math.floor(NOW / 1000) - 2 });
    assert.equal((await verifier.lookup(justExpired))?.subject, 'identity-1');
  });

  test('a cached token stops passing at its exp', async () => {
    const { verifier, advance } = setup();
    const token = await sign(real, { exp: Math.floor(NOW / 1000) + 5 });
    assert.ok(await verifier.lookup(token));
    advance(6_000);
    assert.equal(verifier.peek(token), undefined);
  });

  test('an unknown kid refetches the JWKS (rotation); a kid Hydra does not have is refused', async () => {
    let keys = [real.jwk];
    const { verifier, calls } = setup({ keys: () => keys });
    assert.ok(await verifier.lookup(await sign(real)));
    assert.equal(calls.jwks, 1);
    keys = [real.jwk, rotated.jwk];
    assert.equal((await verifier.lookup(await sign(rotated)))?.subject, 'identity-1');
    assert.equal(calls.jwks, 2);
    const unknown = await sign({ ...rotated, jwk: { ...rotated.jwk, kid: 'k9' } });
    assert.equal(await verifier.lookup(unknown), null);
  });

  test("a token signed with another issuer's key (even with our kid and iss) is refused", async () => {
    const { verifier } = setup();
    assert.equal(await verifier.lookup(await sign(attacker)), null);
  });

  test('an ID token from the same issuer is not an access token', async () => {
    const { verifier } = setup();
    const idToken = await sign(real, { payload: { aud: ['rp'], nonce: 'n', at_hash: 'x' } });
    assert.equal(await verifier.lookup(idToken), null);
  });

  test('revoked at the edge (webhook) or by a peer (bus key): refused before exp', async () => {
    const { verifier } = setup();
    const token = await sign(real);
    assert.ok(await verifier.lookup(token));
    verifier.evict(token);
    assert.equal(verifier.peek(token), undefined);
    assert.equal(await verifier.lookup(token), null);
    const other = await sign(real);
    assert.ok(await verifier.lookup(other));
    verifier.evictKey(accessTokenKey(other));
    assert.equal(await verifier.lookup(other), null);
    // Named only by its jti (what the embedded server reports): the cached copy goes too.
    const third = await sign(real);
    assert.ok(await verifier.lookup(third));
    const jti = JSON.parse(Buffer.from(third.split('.')[1]!, 'base64url').toString()).jti;
    verifier.evictKey(accessTokenJtiKey(jti));
    assert.equal(verifier.peek(third), undefined);
    assert.equal(await verifier.lookup(third), null);
  });

  test('junk tokens are remembered apart: they cannot push a verified grant out', async () => {
    const { verifier } = setup({ maxEntries: 2 });
    const token = await sign(real);
    assert.ok(await verifier.lookup(token));
    const [header, payload] = token.split('.');
    for (let i = 0; i < 20; i++) {
      assert.equal(await verifier.lookup(`${header}.${payload}.${b64(`junk-${i}`)}`), null);
    }
    assert.equal(verifier.peek(token)?.subject, 'identity-1');
  });

  test('the JWKS unreachable: fails closed with a 503 error, not a pass', async () => {
    const { verifier } = setup({ jwksDown: true });
    await assert.rejects(verifier.lookup(await sign(real)), { status: 503 });
  });

  test('jwt: an opaque token is refused without asking Hydra; auto: it is introspected', async () => {
    const jwt = setup({ strategy: 'jwt' });
    assert.equal(await jwt.verifier.lookup('ory_at_abcdefghijklmnop'), null);
    assert.equal(jwt.calls.introspect, 0);
    const auto = setup({ strategy: 'auto' });
    assert.equal(await auto.verifier.lookup('ory_at_abcdefghijklmnop'), null);
    assert.equal(auto.calls.introspect, 1);
    assert.ok(await auto.verifier.lookup(await sign(real)));
    assert.equal(auto.calls.introspect, 1);
  });
});

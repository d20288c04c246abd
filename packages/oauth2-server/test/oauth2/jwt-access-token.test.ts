// `strategies.access_token: jwt`: access tokens are JWS signed with the hydra.jwt.access-token key
// carrying Hydra's claims; they stay stored, so introspection, refresh rotation and revocation
// work as for opaque ones; a forged or bare-jti token is never found.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  generateKeyPair,
  jwtVerify,
  SignJWT,
} from 'jose';
import {
  authorize,
  Browser,
  CALLBACK,
  createClient,
  pkcePair,
  startHarness,
  token,
  type Harness,
} from '../support/harness.ts';

let h: Harness;
let client: { id: string; secret: string };
let machine: { id: string; secret: string };
const revoked: string[] = [];

const jtiOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).jti as string;

before(async () => {
  h = await startHarness(
    { strategies: { access_token: 'jwt' } },
    { onAccessTokensRevoked: (tokens, jtis) => void revoked.push(...tokens, ...jtis) },
  );
  const created = await createClient(h, {
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'openid offline_access email',
  });
  client = { id: created.client_id as string, secret: created.client_secret as string };
  const cc = await createClient(h, { grant_types: ['client_credentials'], scope: 'email' });
  machine = { id: cc.client_id as string, secret: cc.client_secret as string };
});
after(() => h.close());

async function introspect(value: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${h.adminURL}/admin/oauth2/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: value }),
  });
  assert.equal(response.status, 200);
  return (await response.json()) as Record<string, unknown>;
}

async function codeFlowTokens(): Promise<Record<string, unknown>> {
  const { verifier, challenge } = pkcePair();
  const { code } = await authorize(
    h,
    new Browser(),
    {
      client_id: client.id,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope: 'openid offline_access email',
      state: 'state-0123456789',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    },
    {
      consent: (request) => ({
        grant_scope: request.requested_scope,
        session: { access_token: { team: 'blue' }, id_token: { email: 'u@example.com' } },
      }),
    },
  );
  const response = await token(
    h,
    { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier },
    client,
  );
  assert.equal(response.status, 200);
  return (await response.json()) as Record<string, unknown>;
}

test('the access token is a JWS with Hydra claims, verified against jwks.json with the access-token key', async () => {
  const tokens = await codeFlowTokens();
  const accessToken = tokens.access_token as string;
  assert.equal(tokens.token_type, 'bearer');
  assert.ok((tokens.refresh_token as string).startsWith('ory_rt_'));
  const header = decodeProtectedHeader(accessToken);
  assert.equal(header.alg, 'RS256');
  assert.equal(header.typ, 'JWT');
  const jwks = (await (await fetch(`${h.publicURL}/.well-known/jwks.json`)).json()) as {
    keys: Array<{ kid: string }>;
  };
  assert.equal(jwks.keys.length, 2);
  const idTokenKid = decodeProtectedHeader(tokens.id_token as string).kid;
  assert.ok(jwks.keys.some((k) => k.kid === header.kid));
  assert.notEqual(header.kid, idTokenKid, 'signed with the access-token key, not the ID-token key');
  const { payload } = await jwtVerify(
    accessToken,
    createRemoteJWKSet(new URL(`${h.publicURL}/.well-known/jwks.json`)),
    { issuer: h.server.config.urls.self.issuer, algorithms: ['RS256'] },
  );
  assert.equal(payload.sub, 'user-1');
  assert.equal(payload.client_id, client.id);
  assert.deepEqual(payload.scp, ['openid', 'offline_access', 'email']);
  assert.deepEqual(payload.aud, []);
  assert.deepEqual(payload.ext, { team: 'blue' });
  assert.match(payload.jti!, /^[0-9a-f-]{36}$/);
  assert.equal(payload.nbf, payload.iat);
  assert.equal(payload.exp! - payload.iat!, 3600);

  const introspected = await introspect(accessToken);
  assert.equal(introspected.active, true);
  assert.equal(introspected.sub, 'user-1');
  assert.equal(introspected.token_use, 'access_token');
  assert.deepEqual(introspected.ext, { team: 'blue' });

  const userinfo = await fetch(`${h.publicURL}/userinfo`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  assert.equal(userinfo.status, 200);
  assert.equal(((await userinfo.json()) as { sub: string }).sub, 'user-1');
});

test('refresh replaces the JWT (the old one introspects inactive); revocation ends the new one', async () => {
  const first = await codeFlowTokens();
  const refreshed = await token(
    h,
    { grant_type: 'refresh_token', refresh_token: first.refresh_token as string },
    client,
  );
  assert.equal(refreshed.status, 200);
  const second = (await refreshed.json()) as Record<string, string>;
  assert.equal((await introspect(first.access_token as string)).active, false);
  assert.equal((await introspect(second.access_token!)).active, true);

  const revoke = await fetch(`${h.publicURL}/oauth2/revoke`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token: second.access_token! }),
  });
  assert.equal(revoke.status, 200, await revoke.clone().text());
  assert.equal((await introspect(second.access_token!)).active, false);
  // Reported by jti (a JWT's value is not stored): the one the refresh replaced, the revoked one.
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(revoked.includes(jtiOf(first.access_token as string)));
  assert.ok(revoked.includes(jtiOf(second.access_token!)));
  assert.ok(!revoked.some((value) => value.includes('.')), 'never the JWT itself');
});

test('client credentials: a JWT whose subject is the client', async () => {
  const response = await token(h, { grant_type: 'client_credentials', scope: 'email' }, machine);
  assert.equal(response.status, 200);
  const body = (await response.json()) as { access_token: string };
  const introspected = await introspect(body.access_token);
  assert.equal(introspected.active, true);
  assert.equal(introspected.sub, machine.id);
  assert.equal(introspected.client_id, machine.id);
});

test('forged JWTs and the bare jti are never found (jwt_access_token.regression)', async () => {
  const tokens = await codeFlowTokens();
  const accessToken = tokens.access_token as string;
  const jti = (await jwtVerify(
    accessToken,
    createRemoteJWKSet(new URL(`${h.publicURL}/.well-known/jwks.json`)),
  ).then((r) => r.payload.jti)) as string;
  // The jti is visible to anyone holding the token: on its own it is not a credential.
  assert.equal((await introspect(jti)).active, false);
  // The same claims signed by another key, with the real kid in the header.
  const { privateKey } = await generateKeyPair('RS256');
  const kid = decodeProtectedHeader(accessToken).kid!;
  const forged = await new SignJWT({ jti, client_id: client.id, scp: ['openid'] })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer(h.server.config.urls.self.issuer)
    .setSubject('user-1')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKey);
  assert.equal((await introspect(forged)).active, false);
  // alg none with the real claims.
  const [, body] = accessToken.split('.');
  const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${body}.`;
  assert.equal((await introspect(none)).active, false);
  // HS256 keyed with the public key's JWK text (the classic key-confusion attack).
  const publicKey = (
    (await (await fetch(`${h.publicURL}/.well-known/jwks.json`)).json()) as {
      keys: Array<{ kid: string }>;
    }
  ).keys.find((k) => k.kid === kid)!;
  const hs = await new SignJWT({ jti, client_id: client.id })
    .setProtectedHeader({ alg: 'HS256', kid })
    .setIssuer(h.server.config.urls.self.issuer)
    .setSubject('user-1')
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(JSON.stringify(publicKey)));
  assert.equal((await introspect(hs)).active, false);
  const userinfo = await fetch(`${h.publicURL}/userinfo`, {
    headers: { authorization: `Bearer ${forged}` },
  });
  assert.equal(userinfo.status, 401);
  // The genuine one still works.
  assert.equal((await introspect(accessToken)).active, true);
});

// The protocol as a relying party sees it, against the embedded server over real sockets: the
// code flow with PKCE, ID-token verification against the JWKS, refresh rotation and reuse,
// revocation, userinfo, RP-initiated logout, and the negative cases conformance suites probe.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import {
  authorize,
  Browser,
  CALLBACK,
  challengeOf,
  createClient,
  ERROR_APP,
  LOGOUT_APP,
  location,
  pkcePair,
  startHarness,
  token,
  type Harness,
} from '../support/harness.ts';

let h: Harness;
let confidential: { id: string; secret: string };
let publicClientId: string;
const SCOPE = 'openid offline_access email';

before(async () => {
  h = await startHarness();
  const created = await createClient(h, {
    client_name: 'Notes RP',
    redirect_uris: [CALLBACK],
    post_logout_redirect_uris: ['http://127.0.0.1:5555/logged-out'],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: SCOPE,
  });
  confidential = { id: created.client_id as string, secret: created.client_secret as string };
  const pub = await createClient(h, {
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
    scope: SCOPE,
  });
  publicClientId = pub.client_id as string;
});
after(() => h.close());

function authParams(clientId: string, extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkcePair();
  return {
    verifier,
    params: {
      client_id: clientId,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope: SCOPE,
      state: 'state-0123456789',
      nonce: 'nonce-0123456789',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    },
  };
}

async function introspect(value: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${h.adminURL}/admin/oauth2/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: value }),
  });
  assert.equal(response.status, 200);
  return (await response.json()) as Record<string, unknown>;
}

async function exchange(code: string, verifier: string) {
  const response = await token(
    h,
    { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier },
    confidential,
  );
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

async function refresh(refreshToken: string) {
  const response = await token(
    h,
    { grant_type: 'refresh_token', refresh_token: refreshToken },
    confidential,
  );
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

describe('authorization code flow', () => {
  test('code → tokens with Hydra prefixes; id_token verifies against the JWKS with nonce, sid and consent claims; state echoed', async () => {
    const { verifier, params } = authParams(confidential.id);
    const { code, callback } = await authorize(h, new Browser(), params);
    assert.equal(callback.searchParams.get('state'), 'state-0123456789');
    assert.match(code, /^ory_ac_/);
    const { status, body } = await exchange(code, verifier);
    assert.equal(status, 200);
    assert.match(body.access_token!, /^ory_at_/);
    assert.match(body.refresh_token!, /^ory_rt_/);
    assert.equal(body.token_type, 'bearer');
    const jwks = createRemoteJWKSet(new URL(`${h.publicURL}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(body.id_token!, jwks, {
      issuer: h.server.config.urls.self.issuer,
      audience: confidential.id,
    });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.sub, 'user-1');
    assert.equal(payload.nonce, 'nonce-0123456789');
    assert.equal(payload.email, 'user@example.com');
    assert.equal(payload.email_verified, true);
    assert.equal(typeof payload.sid, 'string');
    const info = await fetch(`${h.publicURL}/userinfo`, {
      headers: { authorization: `Bearer ${body.access_token}` },
    });
    assert.equal(info.status, 200);
    assert.deepEqual(await info.json(), {
      sub: 'user-1',
      email: 'user@example.com',
      email_verified: true,
    });
    const introspected = await introspect(body.access_token!);
    assert.equal(introspected.active, true);
    assert.equal(introspected.sub, 'user-1');
    assert.equal(introspected.client_id, confidential.id);
    assert.equal(introspected.token_use, 'access_token');
  });

  test('the last redirect to the client is a 303; the ones into the login and consent apps are 302', async () => {
    const { params } = authParams(confidential.id);
    const browser = new Browser();
    const auth = new URL(`${h.publicURL}/oauth2/auth`);
    for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
    const toLogin = await browser.get(auth.href);
    assert.equal(toLogin.status, 302);
    const accepted = (await (
      await h.admin(
        `/admin/oauth2/auth/requests/login/accept?login_challenge=${challengeOf(location(toLogin), 'login')}`,
        { method: 'PUT', body: { subject: 'user-1' } },
      )
    ).json()) as { redirect_to: string };
    const toConsent = await browser.get(accepted.redirect_to);
    assert.equal(toConsent.status, 302);
    const consented = (await (
      await h.admin(
        `/admin/oauth2/auth/requests/consent/accept?consent_challenge=${challengeOf(location(toConsent), 'consent')}`,
        { method: 'PUT', body: { grant_scope: ['openid'] } },
      )
    ).json()) as { redirect_to: string };
    const toClient = await browser.get(consented.redirect_to);
    assert.equal(toClient.status, 303);
    assert.ok(location(toClient).startsWith(CALLBACK));
  });

  test('a refresh rotates both tokens and revokes the access token it replaces; reusing the old refresh token revokes the whole family', async () => {
    const { verifier, params } = authParams(confidential.id);
    const { code } = await authorize(h, new Browser(), params);
    const first = (await exchange(code, verifier)).body;
    const second = await refresh(first.refresh_token!);
    assert.equal(second.status, 200);
    assert.notEqual(second.body.refresh_token, first.refresh_token);
    assert.equal(
      (await introspect(first.access_token!)).active,
      false,
      'the replaced access token is revoked',
    );
    assert.equal((await introspect(second.body.access_token!)).active, true);
    const reuse = await refresh(first.refresh_token!);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    assert.equal(
      (await introspect(second.body.access_token!)).active,
      false,
      'reuse revokes the new access token',
    );
    assert.equal(
      (await introspect(second.body.refresh_token!)).active,
      false,
      'reuse revokes the new refresh token',
    );
    assert.equal((await refresh(second.body.refresh_token!)).status, 400);
  });

  test('reusing an authorization code fails and revokes the tokens of the first exchange', async () => {
    const { verifier, params } = authParams(confidential.id);
    const { code } = await authorize(h, new Browser(), params);
    const first = await exchange(code, verifier);
    assert.equal(first.status, 200);
    const again = await exchange(code, verifier);
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_grant');
    assert.equal((await introspect(first.body.access_token!)).active, false);
    assert.equal((await introspect(first.body.refresh_token!)).active, false);
  });

  test('a wrong PKCE verifier fails and burns the code; a missing one fails too', async () => {
    const { verifier, params } = authParams(confidential.id);
    const { code } = await authorize(h, new Browser(), params);
    const wrong = await exchange(code, pkcePair().verifier);
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
    assert.equal(
      (await exchange(code, verifier)).status,
      400,
      'the right verifier no longer works',
    );
    const next = authParams(confidential.id);
    const { code: code2 } = await authorize(h, new Browser(), next.params);
    const missing = await token(
      h,
      { grant_type: 'authorization_code', code: code2, redirect_uri: CALLBACK },
      confidential,
    );
    assert.equal(missing.status, 400);
  });

  test('a public client without PKCE gets invalid_request at its callback', async () => {
    const browser = new Browser();
    const auth = new URL(`${h.publicURL}/oauth2/auth`);
    for (const [k, v] of Object.entries({
      client_id: publicClientId,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope: 'openid',
      state: 'state-0123456789',
    }))
      auth.searchParams.set(k, v);
    const response = await browser.get(auth.href);
    const callback = new URL(location(response));
    assert.equal(callback.origin + callback.pathname, CALLBACK);
    assert.equal(callback.searchParams.get('error'), 'invalid_request');
    assert.equal(callback.searchParams.get('state'), 'state-0123456789');
  });

  test('a public client with PKCE exchanges its code without a secret', async () => {
    const { verifier, params } = authParams(publicClientId);
    const { code } = await authorize(h, new Browser(), params);
    const response = await token(h, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: CALLBACK,
      code_verifier: verifier,
      client_id: publicClientId,
    });
    assert.equal(response.status, 200);
  });

  test('a wrong client secret is invalid_client (401)', async () => {
    const { verifier, params } = authParams(confidential.id);
    const { code } = await authorize(h, new Browser(), params);
    const response = await token(
      h,
      { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier },
      { id: confidential.id, secret: 'not-the-secret' },
    );
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_client');
  });

  test('a redirect_uri mismatch goes to urls.error, never to the unregistered URI, and carries no state', async () => {
    const { params } = authParams(confidential.id, { redirect_uri: 'https://attacker.example/cb' });
    const auth = new URL(`${h.publicURL}/oauth2/auth`);
    for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
    const response = await new Browser().get(auth.href);
    assert.equal(response.status, 302);
    const target = new URL(location(response));
    assert.equal(target.origin + target.pathname, ERROR_APP);
    assert.ok(target.searchParams.get('error'));
    assert.equal(target.searchParams.get('state'), null);
  });

  test('an unknown client goes to urls.error', async () => {
    const { params } = authParams('no-such-client');
    const auth = new URL(`${h.publicURL}/oauth2/auth`);
    for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
    const target = new URL(location(await new Browser().get(auth.href)));
    assert.equal(target.origin + target.pathname, ERROR_APP);
  });

  test('an unsupported response_type is refused with the error at the callback', async () => {
    const { params } = authParams(confidential.id, { response_type: 'token' });
    const auth = new URL(`${h.publicURL}/oauth2/auth`);
    for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
    const response = await new Browser().get(auth.href);
    const target = new URL(location(response));
    assert.equal(target.origin + target.pathname, CALLBACK);
    // An implicit-style response type answers in the fragment (OAuth 2.0 Multiple Response Types §5).
    const fragment = new URLSearchParams(target.hash.slice(1));
    assert.equal(fragment.get('error'), 'unsupported_response_type');
    assert.equal(fragment.get('state'), 'state-0123456789');
  });

  test('the password grant (or any unknown grant type) is 400 invalid_request', async () => {
    const response = await token(
      h,
      { grant_type: 'password', username: 'a', password: 'b' },
      confidential,
    );
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_request');
  });

  test('revocation ends a refresh token and its family', async () => {
    const { verifier, params } = authParams(confidential.id);
    const { code } = await authorize(h, new Browser(), params);
    const tokens = (await exchange(code, verifier)).body;
    const response = await fetch(`${h.publicURL}/oauth2/revoke`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${confidential.id}:${confidential.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token: tokens.refresh_token! }),
    });
    assert.equal(response.status, 200);
    assert.equal((await introspect(tokens.refresh_token!)).active, false);
    assert.equal((await introspect(tokens.access_token!)).active, false);
  });

  test('prompt=none without a session answers login_required at the callback', async () => {
    const { params } = authParams(confidential.id, { prompt: 'none' });
    const auth = new URL(`${h.publicURL}/oauth2/auth`);
    for (const [k, v] of Object.entries(params)) auth.searchParams.set(k, v);
    const target = new URL(location(await new Browser().get(auth.href)));
    assert.equal(target.searchParams.get('error'), 'login_required');
  });

  test('a remembered login comes back with skip=true and the subject; accepting another subject is refused', async () => {
    const browser = new Browser();
    await authorize(h, browser, authParams(confidential.id).params, {
      login: { subject: 'user-7', remember: true },
    });
    const auth = new URL(`${h.publicURL}/oauth2/auth`);
    for (const [k, v] of Object.entries(authParams(confidential.id).params))
      auth.searchParams.set(k, v);
    const challenge = challengeOf(location(await browser.get(auth.href)), 'login');
    const request = (await (
      await h.admin(`/admin/oauth2/auth/requests/login?login_challenge=${challenge}`)
    ).json()) as { skip: boolean; subject: string };
    assert.equal(request.skip, true);
    assert.equal(request.subject, 'user-7');
    const other = await h.admin(
      `/admin/oauth2/auth/requests/login/accept?login_challenge=${challenge}`,
      { method: 'PUT', body: { subject: 'user-8' } },
    );
    assert.equal(other.status, 400);
  });

  test('RP-initiated logout passes through the logout app and returns to post_logout_redirect_uri with state', async () => {
    const browser = new Browser();
    const { verifier, params } = authParams(confidential.id);
    const { code } = await authorize(h, browser, params);
    const tokens = (await exchange(code, verifier)).body;
    const logout = new URL(`${h.publicURL}/oauth2/sessions/logout`);
    logout.searchParams.set('id_token_hint', tokens.id_token!);
    logout.searchParams.set('post_logout_redirect_uri', 'http://127.0.0.1:5555/logged-out');
    logout.searchParams.set('state', 'bye-123');
    const toApp = await browser.get(logout.href);
    assert.ok(location(toApp).startsWith(LOGOUT_APP));
    const challenge = challengeOf(location(toApp), 'logout');
    const request = (await (
      await h.admin(`/admin/oauth2/auth/requests/logout?logout_challenge=${challenge}`)
    ).json()) as Record<string, unknown>;
    assert.equal(request.subject, 'user-1');
    assert.equal(request.rp_initiated, true);
    const accept = await h.admin(
      `/admin/oauth2/auth/requests/logout/accept?logout_challenge=${challenge}`,
      { method: 'PUT' },
    );
    assert.equal(accept.status, 200);
    const { redirect_to } = (await accept.json()) as { redirect_to: string };
    const again = await h.admin(
      `/admin/oauth2/auth/requests/logout/accept?logout_challenge=${challenge}`,
      { method: 'PUT' },
    );
    assert.equal(again.status, 200, 'accept can be repeated');
    const done = await browser.get(redirect_to);
    const target = new URL(location(done));
    assert.equal(target.origin + target.pathname, 'http://127.0.0.1:5555/logged-out');
    assert.equal(target.searchParams.get('state'), 'bye-123');
    const replay = await browser.get(redirect_to);
    assert.ok(location(replay).startsWith(ERROR_APP), 'a verifier works once');
  });

  test('a login accepted without remember: RP-initiated logout skips the logout app', async () => {
    const browser = new Browser();
    const { verifier, params } = authParams(confidential.id);
    const { code } = await authorize(h, browser, params, {
      login: { subject: 'user-2', remember: false },
    });
    const tokens = (await exchange(code, verifier)).body;
    const logout = new URL(`${h.publicURL}/oauth2/sessions/logout`);
    logout.searchParams.set('id_token_hint', tokens.id_token!);
    logout.searchParams.set('post_logout_redirect_uri', 'http://127.0.0.1:5555/logged-out');
    const first = location(await browser.get(logout.href));
    assert.ok(!first.startsWith(LOGOUT_APP), first);
    const done = new URL(location(await browser.get(first)));
    assert.equal(done.origin + done.pathname, 'http://127.0.0.1:5555/logged-out');
  });

  test('rejecting a logout answers 204 without a redirect', async () => {
    const browser = new Browser();
    const { verifier, params } = authParams(confidential.id);
    const { code } = await authorize(h, browser, params);
    const tokens = (await exchange(code, verifier)).body;
    const toApp = await browser.get(
      `${h.publicURL}/oauth2/sessions/logout?id_token_hint=${tokens.id_token}`,
    );
    const challenge = challengeOf(location(toApp), 'logout');
    const reject = await h.admin(
      `/admin/oauth2/auth/requests/logout/reject?logout_challenge=${challenge}`,
      { method: 'PUT' },
    );
    assert.equal(reject.status, 204);
    assert.equal(await reject.text(), '');
  });
});

describe('client credentials and revocation authentication', () => {
  test('client_credentials issues an ory_at_ token whose introspection subject is the client', async () => {
    const machine = await createClient(h, { grant_types: ['client_credentials'], scope: 'openid' });
    const auth = { id: machine.client_id as string, secret: machine.client_secret as string };
    const response = await token(h, { grant_type: 'client_credentials' }, auth);
    const body = (await response.json()) as Record<string, string>;
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.match(body.access_token!, /^ory_at_/);
    assert.equal(body.token_type, 'bearer');
    const introspected = await introspect(body.access_token!);
    assert.equal(introspected.active, true);
    assert.equal(introspected.sub, auth.id);
  });

  test('revocation without client authentication is refused', async () => {
    const response = await fetch(`${h.publicURL}/oauth2/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: 'ory_rt_whatever' }),
    });
    const body = (await response.json()) as { error: string };
    assert.equal(response.status, 400, JSON.stringify(body));
    assert.equal(body.error, 'invalid_request');
  });
});

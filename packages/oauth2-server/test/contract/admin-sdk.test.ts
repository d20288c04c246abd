// Hydra's admin and public contract, called through the official Ory SDK (@ory/client-fetch's
// OAuth2Api, JwkApi, OidcApi, WellknownApi): every response must parse into the SDK's models.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Configuration,
  JwkApi,
  OAuth2Api,
  OidcApi,
  ResponseError,
  WellknownApi,
} from '@ory/client-fetch';
import {
  authorize,
  Browser,
  CALLBACK,
  challengeOf,
  location,
  pkcePair,
  startHarness,
  type Harness,
} from '../support/harness.ts';

let h: Harness;
let admin: OAuth2Api;

before(async () => {
  h = await startHarness();
  admin = new OAuth2Api(new Configuration({ basePath: h.adminURL }));
});
after(() => h.close());

async function statusOf(
  promise: Promise<unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ResponseError)
      return {
        status: err.response.status,
        body: (await err.response.json()) as Record<string, unknown>,
      };
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe('clients', () => {
  test('create returns the secret, registration token and URI; get, list, update, patch and delete round-trip', async () => {
    const created = await admin.createOAuth2Client({
      oAuth2Client: {
        client_name: 'SDK app',
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'refresh_token'],
        scope: 'openid offline_access',
        skip_consent: true,
        metadata: { team: 'a' },
      },
    });
    assert.ok(created.client_id);
    assert.ok(created.client_secret && created.client_secret.length >= 6);
    assert.ok(created.registration_access_token);
    assert.match(created.registration_client_uri ?? '', /\/oauth2\/register\//);
    assert.equal(created.skip_consent, true);
    assert.equal(created.token_endpoint_auth_method, 'client_secret_basic');
    const fetched = await admin.getOAuth2Client({ id: created.client_id! });
    assert.equal(fetched.client_name, 'SDK app');
    assert.equal(fetched.client_secret, undefined, 'the secret is shown only once');
    assert.deepEqual(fetched.metadata, { team: 'a' });
    const updated = await admin.setOAuth2Client({
      id: created.client_id!,
      oAuth2Client: { ...fetched, client_name: 'Renamed' },
    });
    assert.equal(updated.client_name, 'Renamed');
    const patched = await admin.patchOAuth2Client({
      id: created.client_id!,
      jsonPatch: [{ op: 'replace', path: '/client_name', value: 'Patched' }],
    });
    assert.equal(patched.client_name, 'Patched');
    await admin.deleteOAuth2Client({ id: created.client_id! });
    assert.equal((await statusOf(admin.getOAuth2Client({ id: created.client_id! }))).status, 404);
  });

  test('a public (none) client never gets a secret; a secret under 6 characters is invalid_client_metadata', async () => {
    const pub = await admin.createOAuth2Client({
      oAuth2Client: {
        redirect_uris: [CALLBACK],
        token_endpoint_auth_method: 'none',
        client_secret: 'ignored-secret',
      },
    });
    assert.equal(pub.client_secret, undefined);
    const short = await statusOf(
      admin.createOAuth2Client({
        oAuth2Client: { redirect_uris: [CALLBACK], client_secret: 'abc' },
      }),
    );
    assert.equal(short.status, 400);
    assert.equal(short.body.error, 'invalid_client_metadata');
  });

  test('turning a public client confidential shows the secret it gets, once', async () => {
    const pub = await admin.createOAuth2Client({
      oAuth2Client: { redirect_uris: [CALLBACK], token_endpoint_auth_method: 'none' },
    });
    const updated = await admin.setOAuth2Client({
      id: pub.client_id!,
      oAuth2Client: { ...pub, token_endpoint_auth_method: 'client_secret_basic' },
    });
    assert.ok(updated.client_secret, 'the new secret is shown');
    const again = await admin.setOAuth2Client({
      id: pub.client_id!,
      oAuth2Client: { ...updated, client_secret: undefined, client_name: 'renamed' },
    });
    assert.equal(again.client_secret, undefined, 'an unchanged secret is not shown again');
  });

  test('the list paginates with page_size and the Link header', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) {
      await admin.createOAuth2Client({
        oAuth2Client: { client_name: name, owner: 'pager', redirect_uris: [CALLBACK] },
      });
    }
    const first = await admin.listOAuth2ClientsRaw({ pageSize: 2, owner: 'pager' });
    const page1 = await first.value();
    assert.equal(page1.length, 2);
    const link = first.raw.headers.get('link') ?? '';
    const next = /<([^>]+)>;\s*rel="next"/.exec(link)?.[1];
    assert.ok(next, `a next link in ${link}`);
    const page2 = await admin.listOAuth2Clients({
      pageSize: 2,
      owner: 'pager',
      pageToken: new URL(next).searchParams.get('page_token')!,
    });
    assert.equal(page2.length, 1);
    assert.deepEqual(
      new Set([...page1, ...page2].map((c) => c.client_name)),
      new Set(['page-a', 'page-b', 'page-c']),
    );
  });
});

describe('login, consent and logout requests', () => {
  test('get/accept/reject through the SDK; consent sessions list and revoke; login sessions revoke', async () => {
    const client = await admin.createOAuth2Client({
      oAuth2Client: {
        client_name: 'Flow app',
        logo_uri: 'https://example.com/logo.png',
        redirect_uris: [CALLBACK],
        scope: 'openid email offline_access',
        grant_types: ['authorization_code', 'refresh_token'],
      },
    });
    const browser = new Browser();
    const { challenge } = pkcePair();
    const auth = new URL(`${h.publicURL}/oauth2/auth`);
    for (const [k, v] of Object.entries({
      client_id: client.client_id!,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope: 'openid email',
      state: 'state-0123456789',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      login_hint: 'ada@example.com',
    }))
      auth.searchParams.set(k, v);
    const loginChallenge = challengeOf(location(await browser.get(auth.href)), 'login');
    const loginRequest = await admin.getOAuth2LoginRequest({ loginChallenge });
    assert.equal(loginRequest.challenge, loginChallenge);
    assert.equal(loginRequest.skip, false);
    assert.deepEqual(loginRequest.requested_scope, ['openid', 'email']);
    assert.equal(loginRequest.client.client_id, client.client_id);
    assert.equal(loginRequest.oidc_context?.login_hint, 'ada@example.com');
    assert.ok(loginRequest.request_url.startsWith(`${h.publicURL}/oauth2/auth?`));
    const accepted = await admin.acceptOAuth2LoginRequest({
      loginChallenge,
      acceptOAuth2LoginRequest: { subject: 'ada', remember: true, acr: 'aal1', amr: ['pwd'] },
    });
    const consentChallenge = challengeOf(
      location(await browser.get(accepted.redirect_to)),
      'consent',
    );
    const consentRequest = await admin.getOAuth2ConsentRequest({ consentChallenge });
    assert.equal(consentRequest.subject, 'ada');
    assert.equal(consentRequest.skip, false);
    assert.equal(consentRequest.acr, 'aal1');
    assert.deepEqual(consentRequest.amr, ['pwd']);
    assert.equal(consentRequest.client?.logo_uri, 'https://example.com/logo.png');
    const consented = await admin.acceptOAuth2ConsentRequest({
      consentChallenge,
      acceptOAuth2ConsentRequest: {
        grant_scope: ['openid', 'email'],
        remember: true,
        remember_for: 3600,
        session: { id_token: { email: 'ada@example.com' } },
      },
    });
    assert.ok(location(await browser.get(consented.redirect_to)).startsWith(CALLBACK));

    const sessions = await admin.listOAuth2ConsentSessions({ subject: 'ada' });
    assert.equal(sessions.length, 1);
    assert.deepEqual(sessions[0]!.grant_scope, ['openid', 'email']);
    assert.equal(sessions[0]!.consent_request?.client?.client_id, client.client_id);

    // A remembered consent: the next request says skip=true.
    const again = new URL(auth);
    const skipLogin = challengeOf(location(await browser.get(again.href)), 'login');
    assert.equal((await admin.getOAuth2LoginRequest({ loginChallenge: skipLogin })).skip, true);
    const next = await admin.acceptOAuth2LoginRequest({
      loginChallenge: skipLogin,
      acceptOAuth2LoginRequest: { subject: 'ada' },
    });
    const skipConsent = challengeOf(location(await browser.get(next.redirect_to)), 'consent');
    assert.equal(
      (await admin.getOAuth2ConsentRequest({ consentChallenge: skipConsent })).skip,
      true,
    );
    const rejected = await admin.rejectOAuth2ConsentRequest({
      consentChallenge: skipConsent,
      rejectOAuth2Request: { error: 'access_denied', error_description: 'no' },
    });
    const denied = new URL(location(await browser.get(rejected.redirect_to)));
    assert.equal(denied.searchParams.get('error'), 'access_denied');

    await admin.revokeOAuth2ConsentSessions({ subject: 'ada', all: true });
    assert.equal((await admin.listOAuth2ConsentSessions({ subject: 'ada' })).length, 0);
    await admin.revokeOAuth2LoginSessions({ subject: 'ada' });
    const fresh = challengeOf(location(await browser.get(auth.href)), 'login');
    assert.equal(
      (await admin.getOAuth2LoginRequest({ loginChallenge: fresh })).skip,
      false,
      'login sessions ended',
    );
    const loginRejected = await admin.rejectOAuth2LoginRequest({
      loginChallenge: fresh,
      rejectOAuth2Request: { error: 'access_denied' },
    });
    assert.equal(
      new URL(location(await browser.get(loginRejected.redirect_to))).searchParams.get('error'),
      'access_denied',
    );
  });

  test('unknown challenges are 404; a missing one is 400', async () => {
    assert.equal(
      (await statusOf(admin.getOAuth2LoginRequest({ loginChallenge: 'nope' }))).status,
      404,
    );
    assert.equal(
      (await statusOf(admin.getOAuth2ConsentRequest({ consentChallenge: 'nope' }))).status,
      404,
    );
    assert.equal(
      (await statusOf(admin.getOAuth2LogoutRequest({ logoutChallenge: 'nope' }))).status,
      404,
    );
    const missing = await fetch(`${h.adminURL}/admin/oauth2/auth/requests/login`);
    assert.equal(missing.status, 400);
    assert.equal(((await missing.json()) as { error: string }).error, 'invalid_request');
  });

  test('logout request through the SDK', async () => {
    const client = await admin.createOAuth2Client({
      oAuth2Client: {
        redirect_uris: [CALLBACK],
        post_logout_redirect_uris: ['http://127.0.0.1:5555/bye'],
        scope: 'openid',
      },
    });
    const browser = new Browser();
    const { verifier, challenge } = pkcePair();
    const { code } = await authorize(h, browser, {
      client_id: client.client_id!,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope: 'openid',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const tokenResponse = await fetch(`${h.publicURL}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: CALLBACK,
        code_verifier: verifier,
      }),
    });
    const { id_token: idToken } = (await tokenResponse.json()) as { id_token: string };
    const logoutChallenge = challengeOf(
      location(await browser.get(`${h.publicURL}/oauth2/sessions/logout?id_token_hint=${idToken}`)),
      'logout',
    );
    const request = await admin.getOAuth2LogoutRequest({ logoutChallenge });
    assert.equal(request.subject, 'user-1');
    assert.equal(request.client?.client_id, client.client_id);
    const accepted = await admin.acceptOAuth2LogoutRequest({ logoutChallenge });
    assert.match(accepted.redirect_to, /logout_verifier=/);
    assert.equal(
      (await admin.getOAuth2LogoutRequestRaw({ logoutChallenge })).raw.status,
      200,
      'an accepted request still reads',
    );
  });
});

describe('tokens, keys and discovery', () => {
  test('introspection of an unknown token is inactive; keys carry private fields; jwks.json lists two public keys; discovery names Hydra paths', async () => {
    assert.equal((await admin.introspectOAuth2Token({ token: 'ory_at_unknown' })).active, false);
    const jwk = new JwkApi(new Configuration({ basePath: h.adminURL }));
    const set = await jwk.getJsonWebKeySet({ set: 'hydra.openid.id-token' });
    assert.equal(set.keys!.length, 1);
    assert.ok(set.keys![0]!.d, 'private exponent present');
    assert.equal((await statusOf(jwk.getJsonWebKeySet({ set: 'no-such-set' }))).status, 404);
    const wellKnown = new WellknownApi(new Configuration({ basePath: h.publicURL }));
    const keys = await wellKnown.discoverJsonWebKeys();
    assert.equal(keys.keys!.length, 2);
    assert.ok(
      keys.keys!.every((key) => key.d === undefined),
      'no private fields in public keys',
    );
    const discovery = await new OidcApi(
      new Configuration({ basePath: h.publicURL }),
    ).discoverOidcConfiguration();
    assert.equal(discovery.authorization_endpoint, `${h.publicURL}/oauth2/auth`);
    assert.equal(discovery.token_endpoint, `${h.publicURL}/oauth2/token`);
    assert.equal(discovery.jwks_uri, `${h.publicURL}/.well-known/jwks.json`);
    assert.equal(discovery.end_session_endpoint, `${h.publicURL}/oauth2/sessions/logout`);
  });

  test('health endpoints on both ports; admin routes are absent from the public port', async () => {
    assert.equal((await fetch(`${h.publicURL}/health/alive`)).status, 200);
    assert.equal((await fetch(`${h.adminURL}/health/ready`)).status, 200);
    const onPublic = await fetch(`${h.publicURL}/admin/clients`);
    assert.equal(onPublic.status, 404);
  });
});

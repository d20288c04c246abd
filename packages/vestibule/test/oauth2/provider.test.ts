// The edge as Hydra's login, consent and logout app, against stand-ins for Hydra's admin API and
// Kratos's whoami: what it accepts (subject, acr/amr, claims), when it shows a page, where it sends
// the browser.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { client, cookiePair, hiddenField, session, setup } from '../support/fake-hydra.ts';

const loginRequest = (extra: Record<string, unknown> = {}) => ({
  challenge: 'lc1',
  skip: false,
  subject: '',
  request_url: 'http://hydra.test/oauth2/auth?client_id=rp&scope=openid',
  requested_scope: ['openid'],
  client: client(),
  ...extra,
});
const consentRequest = (extra: Record<string, unknown> = {}) => ({
  challenge: 'cc1',
  skip: false,
  subject: 'identity-1',
  requested_scope: ['openid', 'email', 'profile'],
  requested_access_token_audience: [],
  client: client({
    logo_uri: 'https://cdn.example.com/logo.png',
    policy_uri: 'https://rp.example.com/privacy',
  }),
  ...extra,
});

describe('/oauth2/login', () => {
  test('skip: accepted at once with the remembered subject, nothing shown', async () => {
    const { request, calls } = setup({
      login: loginRequest({ skip: true, subject: 'identity-9' }),
    });
    const response = await request('/oauth2/login?login_challenge=lc1');
    assert.equal(response.status, 303);
    assert.match(response.headers.get('location')!, /login_verifier=/);
    assert.deepEqual(calls.at(-1)!.body, { subject: 'identity-9' });
  });

  test('a Kratos session: accepted with subject = identity id, acr from the AAL, amr from the methods, the Kratos session id', async () => {
    const { request, calls } = setup({ login: loginRequest(), session: session() });
    const response = await request('/oauth2/login?login_challenge=lc1', {
      cookie: 'ory_kratos_session=good',
    });
    assert.equal(response.status, 303);
    const body = calls.at(-1)!.body as Record<string, unknown>;
    assert.equal(body.subject, 'identity-1');
    assert.equal(body.acr, 'aal1');
    assert.deepEqual(body.amr, ['password']);
    assert.equal(body.identity_provider_session_id, 'kratos-session-1');
    assert.equal(body.remember, true);
  });

  test('no session: the edge login page, returning to /oauth2/login with the challenge', async () => {
    const { request, calls } = setup({ login: loginRequest(), session: null });
    const response = await request('/oauth2/login?login_challenge=lc1');
    assert.equal(response.status, 303);
    const location = new URL(response.headers.get('location')!, 'http://edge.test');
    assert.equal(location.pathname, '/login');
    const back = new URL(location.searchParams.get('return_to')!);
    assert.equal(back.origin, 'http://edge.test');
    assert.equal(back.searchParams.get('login_challenge'), 'lc1');
    assert.equal(location.searchParams.get('refresh'), null);
    assert.ok(!calls.some((c) => c.path === 'login/accept'));
  });

  test('prompt=login with a session: a refresh login first; accepted once the session is newer than the demand', async () => {
    const world = {
      login: loginRequest({ request_url: 'http://hydra.test/oauth2/auth?prompt=login' }),
      session: session(),
    };
    const { request, calls } = setup(world);
    const first = await request('/oauth2/login?login_challenge=lc1', {
      cookie: 'ory_kratos_session=good',
    });
    const location = new URL(first.headers.get('location')!, 'http://edge.test');
    assert.equal(location.searchParams.get('refresh'), 'true');
    assert.ok(!calls.some((c) => c.path === 'login/accept'), 'the old session is not enough');
    // The user signs in again: the session's authenticated_at moves past the demand.
    world.session = session({
      authenticated_at: new Date(Date.UTC(2026, 0, 1, 12, 6, 0)).toISOString(),
    });
    const returnTo = new URL(location.searchParams.get('return_to')!);
    const second = await request(`${returnTo.pathname}${returnTo.search}`, {
      cookie: 'ory_kratos_session=good',
    });
    assert.equal(second.status, 303);
    assert.equal(calls.at(-1)!.path, 'login/accept');
  });

  test('max_age older than the session authentication demands a login', async () => {
    const { request, calls } = setup({
      login: loginRequest({ request_url: 'http://hydra.test/oauth2/auth?max_age=60' }),
      session: session(),
    });
    const response = await request('/oauth2/login?login_challenge=lc1', {
      cookie: 'ory_kratos_session=good',
    });
    assert.equal(new URL(response.headers.get('location')!, 'http://edge.test').pathname, '/login');
    assert.ok(!calls.some((c) => c.path === 'login/accept'));
  });

  test('an unknown challenge and an unreachable Hydra render the error page with the request id', async () => {
    const unknown = await setup({ login: loginRequest() }).request(
      '/oauth2/login?login_challenge=nope',
    );
    assert.equal(unknown.status, 400);
    assert.match(await unknown.text(), /req-123/);
    const down = await setup({ hydraDown: true }).request('/oauth2/login?login_challenge=lc1');
    assert.equal(down.status, 502);
    assert.match(await down.text(), /not reachable/);
  });
});

describe('/oauth2/consent', () => {
  test('the page names the client, links its policy, shows its logo (CSP allows that origin) and the scopes in words', async () => {
    const { request } = setup({ consent: consentRequest(), session: session() });
    const response = await request('/oauth2/consent?consent_challenge=cc1', {
      cookie: 'ory_kratos_session=good',
    });
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /Notes RP/);
    assert.match(html, /See your email address/);
    assert.match(html, /See your name/);
    assert.match(html, /https:\/\/rp\.example\.com\/privacy/);
    assert.match(
      response.headers.get('content-security-policy')!,
      /img-src[^;]*https:\/\/cdn\.example\.com/,
    );
  });

  test('accepting grants the requested scopes with email, email_verified and name from the identity; remember as chosen', async () => {
    const { request, calls } = setup({ consent: consentRequest(), session: session() });
    const page = await request('/oauth2/consent?consent_challenge=cc1', {
      cookie: 'ory_kratos_session=good',
    });
    const cookie = `${cookiePair(page)}; ory_kratos_session=good`;
    const html = await page.text();
    const response = await request('/oauth2/consent', {
      cookie,
      form: {
        consent_challenge: 'cc1',
        csrf_token: hiddenField(html, 'csrf_token'),
        action: 'accept',
        remember: 'true',
      },
    });
    assert.equal(response.status, 303);
    const body = calls.at(-1)!.body as {
      grant_scope: string[];
      remember: boolean;
      session: { id_token: Record<string, unknown> };
    };
    assert.deepEqual(body.grant_scope, ['openid', 'email', 'profile']);
    assert.equal(body.remember, true);
    assert.deepEqual(body.session.id_token, {
      email: 'ada@example.com',
      email_verified: true,
      name: 'Ada Lovelace',
      given_name: 'Ada',
      family_name: 'Lovelace',
    });
  });

  test('deny rejects with access_denied', async () => {
    const { request, calls } = setup({ consent: consentRequest(), session: session() });
    const page = await request('/oauth2/consent?consent_challenge=cc1');
    const response = await request('/oauth2/consent', {
      cookie: cookiePair(page),
      form: {
        consent_challenge: 'cc1',
        csrf_token: hiddenField(await page.text(), 'csrf_token'),
        action: 'reject',
      },
    });
    assert.equal(response.status, 303);
    assert.equal(calls.at(-1)!.path, 'consent/reject');
    assert.equal((calls.at(-1)!.body as { error: string }).error, 'access_denied');
  });

  test('skip_consent clients and remembered grants are accepted without a page', async () => {
    for (const extra of [{ client: client({ skip_consent: true }) }, { skip: true }]) {
      const { request, calls } = setup({ consent: consentRequest(extra), session: session() });
      const response = await request('/oauth2/consent?consent_challenge=cc1', {
        cookie: 'ory_kratos_session=good',
      });
      assert.equal(response.status, 303);
      assert.equal(calls.at(-1)!.path, 'consent/accept');
    }
  });

  test('a client name with markup is shown as text', async () => {
    const { request } = setup({
      consent: consentRequest({ client: client({ client_name: '<img src=x onerror=alert(1)>' }) }),
    });
    const html = await (await request('/oauth2/consent?consent_challenge=cc1')).text();
    assert.doesNotMatch(html, /<img src=x/);
    assert.match(html, /&lt;img src=x/);
  });
});

describe('/oauth2/logout', () => {
  const logoutRequest = (extra: Record<string, unknown> = {}) => ({
    challenge: 'oc1',
    subject: 'identity-1',
    sid: 's',
    rp_initiated: true,
    client: client(),
    ...extra,
  });

  test('confirming accepts with Hydra and ends the Kratos session; declining rejects and goes home', async () => {
    const { request, calls } = setup({ logout: logoutRequest(), session: session() });
    const page = await request('/oauth2/logout?logout_challenge=oc1', {
      cookie: 'ory_kratos_session=good',
    });
    assert.equal(page.status, 200);
    const csrf = hiddenField(await page.text(), 'csrf_token');
    const cookie = `${cookiePair(page)}; ory_kratos_session=good`;
    const accepted = await request('/oauth2/logout', {
      cookie,
      form: { logout_challenge: 'oc1', csrf_token: csrf, action: 'accept' },
    });
    assert.equal(accepted.status, 303);
    assert.match(accepted.headers.get('location')!, /logout_verifier=/);
    assert.ok(
      calls.some((c) => c.path === 'kratos logout'),
      'the Kratos session is ended',
    );
    assert.ok(accepted.headers.getSetCookie().some((c) => c.startsWith('ory_kratos_session=;')));
    const declined = await request('/oauth2/logout', {
      cookie,
      form: { logout_challenge: 'oc1', csrf_token: csrf, action: 'reject' },
    });
    assert.equal(declined.headers.get('location'), '/');
    assert.equal(calls.at(-1)!.path, 'logout/reject');
  });

  test('skip_logout_consent clients are signed out without the page', async () => {
    const { request, calls } = setup({
      logout: logoutRequest({ client: client({ skip_logout_consent: true }) }),
      session: session(),
    });
    const response = await request('/oauth2/logout?logout_challenge=oc1', {
      cookie: 'ory_kratos_session=good',
    });
    assert.equal(response.status, 303);
    assert.ok(calls.some((c) => c.path === 'logout/accept'));
  });
});

test('/oauth2/error shows the error escaped, with the request id', async () => {
  const { request } = setup({});
  const response = await request(
    '/oauth2/error?error=invalid_request&error_description=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  );
  assert.equal(response.status, 400);
  const html = await response.text();
  assert.doesNotMatch(html, /<script>alert/);
  assert.match(html, /req-123/);
});

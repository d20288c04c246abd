// Contract: sessions (whoami by cookie, X-Session-Token and Bearer; the caller's other sessions;
// admin listing with pagination, get, extend, revoke) and logout (browser and native).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  newBrowser,
  newNativeClient,
  fileTarget,
  startTarget,
  validatingFetch,
} from './harness.ts';
import { PASSWORD, csrfOf, errorId, registerNative, sdkError, uniqueEmail } from './helpers.ts';

const target = fileTarget(startTarget);

async function signedInBrowser(email = uniqueEmail('sess')) {
  const browser = newBrowser(target());
  const flow = await browser.frontend.createBrowserRegistrationFlow();
  const result = await browser.frontend.updateRegistrationFlow({
    flow: flow.id,
    updateRegistrationFlowBody: {
      method: 'password',
      csrf_token: csrfOf(flow),
      traits: { email },
      password: PASSWORD,
    },
  });
  return { browser, email, identityId: result.identity.id, sessionId: result.session!.id };
}

test('whoami: 401 without an error id when there is no session; 200 with cookie, X-Session-Token or Bearer', async () => {
  const anonymous = newBrowser(target());
  const none = await sdkError(anonymous.frontend.toSession());
  assert.equal(none.status, 401);
  // As a real Kratos (shared/ory/kratos/transcripts/whoami.json): no error.id on whoami's 401.
  assert.equal(errorId(none.body), undefined);
  const garbage = await sdkError(anonymous.frontend.toSession({ xSessionToken: 'ory_st_forged' }));
  assert.equal(garbage.status, 401);

  const { browser, identityId } = await signedInBrowser();
  const res = await browser.fetch('/sessions/whoami');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-kratos-authenticated-identity-id'), identityId);
  const session = (await res.json()) as Record<string, unknown> & {
    identity: Record<string, unknown>;
  };
  assert.equal(session.active, true);
  assert.ok(Date.parse(String(session.expires_at)) > Date.parse(String(session.issued_at)));
  assert.equal(session.identity.credentials, undefined, 'credentials never leave the server');
  assert.equal(session.identity.metadata_admin, undefined);

  const native = newNativeClient(target());
  const { token } = await registerNative(native, uniqueEmail('tok'));
  assert.equal((await native.toSession({ xSessionToken: token })).active, true);
  const bearer = await validatingFetch(target().validator)(
    `${target().publicURL}/sessions/whoami`,
    {
      headers: { authorization: `Bearer ${token}` },
    },
  );
  assert.equal(bearer.status, 200);
});

test('a session cookie cannot be forged: near-miss, logout-token, huge and odd values are 401, never 500', async () => {
  const { browser } = await signedInBrowser();
  const real = (await browser.cookie('ory_kratos_session'))!;
  assert.ok(real.length >= 32, 'the cookie carries a high-entropy secret');
  const logout = await browser.frontend.createBrowserLogoutFlow();
  const flip = (c: string) => (c === 'a' ? 'b' : 'a');
  const forged = [
    real.slice(0, -1) + flip(real.at(-1)!),
    real.toUpperCase() === real ? real.toLowerCase() : real.toUpperCase(),
    `${real}x`,
    logout.logout_token,
    'ory_st_' + 'A'.repeat(32),
    'x'.repeat(8_000),
    '%00%0d%0a',
  ];
  for (const value of forged) {
    const res = await validatingFetch(target().validator)(`${target().publicURL}/sessions/whoami`, {
      headers: { cookie: `ory_kratos_session=${value}` },
    });
    assert.equal(res.status, 401, `forged cookie ${value.slice(0, 40)}`);
    assert.equal(errorId((await res.json()) as Record<string, unknown>), undefined); // whoami: no id (Kratos)
  }
  assert.equal((await browser.fetch('/sessions/whoami')).status, 200, 'the real one still works');
});

test('GET /sessions lists the other sessions; DELETE /sessions/{id} and DELETE /sessions revoke them', async () => {
  const email = uniqueEmail('multi');
  const { browser } = await signedInBrowser(email);
  const native = newNativeClient(target());
  const tokens: string[] = [];
  for (let i = 0; i < 3; i++) {
    const flow = await native.createNativeLoginFlow();
    const result = await native.updateLoginFlow({
      flow: flow.id,
      updateLoginFlowBody: { method: 'password', identifier: email, password: PASSWORD },
    });
    tokens.push(result.session_token!);
  }
  const others = await browser.frontend.listMySessions();
  assert.equal(others.length, 3);
  const current = await browser.frontend.toSession();
  assert.ok(others.every((s) => s.id !== current.id));
  const firstPage = await browser.frontend.listMySessionsRaw({ pageSize: 2 });
  const firstItems = await firstPage.value();
  assert.equal(firstItems.length, 2);
  const next = /<([^>]+)>; rel="next"/.exec(firstPage.raw.headers.get('link') ?? '')?.[1];
  assert.ok(next, 'a Link rel="next" header');
  // Relative, as ory/x writes Link headers.
  const pageToken = new URL(next, 'http://relative.invalid').searchParams.get('page_token')!;
  const secondPage = await browser.frontend.listMySessions({ pageSize: 2, pageToken });
  assert.deepEqual(
    [...firstItems, ...secondPage].map((s) => s.id).sort(),
    others.map((s) => s.id).sort(),
    'the two pages together are exactly the other sessions',
  );

  const self = await sdkError(browser.frontend.disableMySession({ id: current.id }));
  assert.equal(self.status, 400);
  await browser.frontend.disableMySession({ id: others[0]!.id });
  assert.equal((await browser.frontend.listMySessions()).length, 2);
  // Kratos RevokeSession of a row that is not the caller's changes nothing and answers 204.
  await browser.frontend.disableMySession({ id: '00000000-0000-4000-8000-000000000000' });
  assert.equal((await browser.frontend.listMySessions()).length, 2);

  // Kratos RevokeSessionsIdentityExcept updates every other session row, the one revoked above
  // included, and answers that number.
  const { count } = await browser.frontend.disableMyOtherSessions();
  assert.equal(count, 3);
  assert.equal((await browser.frontend.listMySessions()).length, 0);
  for (const token of tokens)
    assert.equal((await sdkError(native.toSession({ xSessionToken: token }))).status, 401);
  assert.equal((await browser.frontend.toSession()).id, current.id, 'the current session survives');
});

test('admin: list with page_size and Link, get with expand=identity, extend, revoke, per identity', async () => {
  const { browser, identityId, sessionId } = await signedInBrowser();
  await signedInBrowser();
  const api = target().identityApi;

  const page = await api.listSessionsRaw({ pageSize: 1 });
  const firstPage = await page.value();
  assert.equal(firstPage.length, 1);
  assert.match(page.raw.headers.get('link') ?? '', /rel="next"/);

  const got = await api.getSession({ id: sessionId, expand: ['identity'] });
  assert.equal(got.identity?.id, identityId);
  const extended = await api.extendSession({ id: sessionId });
  assert.ok(extended, 'extend answers 200 with the session');
  assert.ok(extended.expires_at!.getTime() >= got.expires_at!.getTime());

  const ofIdentity = await api.listIdentitySessions({ id: identityId });
  assert.deepEqual(
    ofIdentity.map((s) => s.id),
    [sessionId],
  );

  await api.disableSession({ id: sessionId });
  assert.equal((await sdkError(browser.frontend.toSession())).status, 401);
  assert.equal((await api.getSession({ id: sessionId })).active, false);

  assert.equal((await sdkError(api.getSession({ id: 'nope' }))).status, 400);
  assert.equal(
    (await sdkError(api.getSession({ id: '00000000-0000-4000-8000-000000000000' }))).status,
    404,
  );
  // listIdentitySessions looks no identity up: an unknown one simply has no sessions.
  assert.deepEqual(
    await api.listIdentitySessions({ id: '00000000-0000-4000-8000-000000000000' }),
    [],
  );
});

test('admin extend honours session.earliest_possible_extend, as Kratos CanBeRefreshed does', async (t) => {
  const own = await startTarget({ session: { lifespan: '24h', earliest_possible_extend: '1h' } });
  t.after(() => own.close());
  if (!own.embedded) return t.skip('moves the embedded server clock');
  const clock = own.embedded.clock;
  const native = newNativeClient(own);
  const { token } = await registerNative(native, uniqueEmail('extend'));
  const initial = await native.toSession({ xSessionToken: token });
  const api = own.identityApi;

  clock.advance(60_000);
  const early = await api.extendSession({ id: initial.id });
  assert.ok(early, 'extend answers 200 with the session (faster_session_extend is off)');
  assert.equal(
    early.expires_at!.getTime(),
    initial.expires_at!.getTime(),
    'more than 1h left: not extended yet',
  );

  clock.advance(23 * 3_600_000); // 59 minutes left
  const late = await api.extendSession({ id: initial.id });
  assert.ok(late);
  assert.equal(late.expires_at!.getTime(), clock.now().getTime() + 24 * 3_600_000);
  assert.equal(late.identity?.id, initial.identity?.id);
  clock.advance(3_600_000); // past the original expiry: the extended session still works
  assert.equal((await native.toSession({ xSessionToken: token })).id, initial.id);

  assert.equal(
    (await sdkError(api.extendSession({ id: '00000000-0000-4000-8000-000000000000' }))).status,
    404,
  );
});

test('with feature_flags.faster_session_extend, extend answers 204 without a body and still extends', async (t) => {
  const own = await startTarget({ feature_flags: { faster_session_extend: true } });
  t.after(() => own.close());
  if (!own.embedded) return t.skip('configures the embedded server');
  const native = newNativeClient(own);
  const { token } = await registerNative(native, uniqueEmail('fast-extend'));
  const session = await native.toSession({ xSessionToken: token });
  own.embedded.clock.advance(60_000);
  const res = await validatingFetch(own.validator)(
    `${own.adminURL}/admin/sessions/${session.id}/extend`,
    { method: 'PATCH' },
  );
  assert.equal(res.status, 204);
  assert.equal(await res.text(), '');
  const after = await native.toSession({ xSessionToken: token });
  assert.equal(after.expires_at!.getTime(), session.expires_at!.getTime() + 60_000);
});

test('admin: deleting all sessions of an identity signs it out everywhere', async () => {
  const { browser, identityId } = await signedInBrowser();
  await target().identityApi.deleteIdentitySessions({ id: identityId });
  assert.equal((await sdkError(browser.frontend.toSession())).status, 401);
});

test('browser logout: logout_url + logout_token, 303 to the after-logout URL, cookie cleared, session revoked', async () => {
  assert.equal(
    (await sdkError(newBrowser(target()).frontend.createBrowserLogoutFlow())).status,
    401,
  );
  const { browser } = await signedInBrowser();
  const logout = await browser.frontend.createBrowserLogoutFlow();
  assert.equal(
    logout.logout_url,
    `${target().publicURL}/self-service/logout?token=${logout.logout_token}`,
  );

  const wrong = await browser.fetch('/self-service/logout?token=ory_lo_wrong', {
    headers: { accept: 'application/json' },
  });
  assert.equal(wrong.status, 403);

  const res = await browser.fetch(logout.logout_url);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `${target().uiBase}/login`);
  const cleared = res.headers.getSetCookie().find((c) => c.startsWith('ory_kratos_session='));
  assert.match(cleared ?? '', /Max-Age=0|Expires=Thu, 01 Jan 1970/);
  assert.equal((await sdkError(browser.frontend.toSession())).status, 401);
});

test('browser logout honours an allowed return_to and refuses others', async () => {
  const { browser } = await signedInBrowser();
  const denied = await sdkError(
    browser.frontend.createBrowserLogoutFlow({ returnTo: 'https://evil.example/' }),
  );
  assert.equal(denied.status, 400);
  assert.equal(errorId(denied.body), 'self_service_flow_return_to_forbidden');
  const returnTo = `${target().uiBase}/bye`;
  const logout = await browser.frontend.createBrowserLogoutFlow({ returnTo });
  const res = await browser.fetch(logout.logout_url);
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), returnTo);
});

test('native logout: 204, then the token is dead; again 204, an unknown token 403; missing token 400', async () => {
  const native = newNativeClient(target());
  const { token } = await registerNative(native, uniqueEmail('nlo'));
  await native.performNativeLogout({ performNativeLogoutBody: { session_token: token } });
  assert.equal((await sdkError(native.toSession({ xSessionToken: token }))).status, 401);
  // As a real Kratos (shared/ory/kratos/transcripts/logout.json): a known token that already
  // logged out is 204 again; a token Kratos never issued is 403.
  await native.performNativeLogout({ performNativeLogoutBody: { session_token: token } });
  const unknown = await sdkError(
    native.performNativeLogout({ performNativeLogoutBody: { session_token: 'ory_st_bogus' } }),
  );
  assert.equal(unknown.status, 403);
  const missing = await validatingFetch(target().validator)(
    `${target().publicURL}/self-service/logout/api`,
    {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    },
  );
  assert.equal(missing.status, 400);
});

// Contract: login flows — browser (form and SDK/JSON), API, wrong credentials without enumeration,
// required fields, refresh, session_already_available, consumed flows, unknown flows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newBrowser, newNativeClient, fileTarget, startTarget, type Browser } from './harness.ts';
import {
  PASSWORD,
  csrfOf,
  errorId,
  messageIds,
  nodeOf,
  registerNative,
  sdkError,
  uniqueEmail,
  type WireFlow,
} from './helpers.ts';

const email = uniqueEmail('login');
const target = fileTarget(startTarget, {
  setup: (started) => registerNative(newNativeClient(started), email),
});

async function browserLoginFlow(
  browser: Browser,
  params: { refresh?: boolean; returnTo?: string } = {},
) {
  return browser.frontend.createBrowserLoginFlow(params);
}

test('the login flow has csrf_token, identifier, password and the submit button, as Kratos renders them', async () => {
  const flow = await browserLoginFlow(newBrowser(target()));
  assert.equal(flow.refresh, false);
  assert.equal(flow.requested_aal, 'aal1');
  assert.equal(flow.state, 'choose_method');
  const identifier = nodeOf(flow, 'identifier');
  assert.equal(identifier.group, 'default');
  assert.equal(identifier.attributes.required, true);
  assert.deepEqual(identifier.meta.label, {
    id: 1070002,
    text: 'E-Mail',
    type: 'info',
    context: { name: 'traits.email', title: 'E-Mail' },
  });
  assert.equal(nodeOf(flow, 'password').attributes.autocomplete, 'current-password');
  assert.equal(nodeOf(flow, 'method').meta.label?.id, 1010022);
  assert.match(csrfOf(flow), /^[A-Za-z0-9+/]{86}==$/, 'a masked nosurf token (64 bytes, base64)');
});

test('form login: wrong password and unknown identifier both go back to the UI with 4000006', async () => {
  const browser = newBrowser(target());
  const flow = await browserLoginFlow(browser);
  for (const identifier of [email, uniqueEmail('nobody')]) {
    const res = await browser.fetch(flow.ui.action, {
      method: 'POST',
      form: {
        csrf_token: csrfOf(flow),
        method: 'password',
        identifier,
        password: 'definitely wrong',
      },
    });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), `${target().uiBase}/login?flow=${flow.id}`);
    const shown = (await browser.frontend.getLoginFlow({ id: flow.id })) as unknown as WireFlow;
    assert.deepEqual(
      shown.ui.messages?.map((m) => m.id),
      [4000006],
    );
    assert.equal(nodeOf(shown, 'identifier').attributes.value, identifier);
  }
});

test('form login succeeds: 303 to the default return URL, session cookie, whoami works', async () => {
  const browser = newBrowser(target());
  const flow = await browserLoginFlow(browser);
  const res = await browser.fetch(flow.ui.action, {
    method: 'POST',
    form: {
      csrf_token: csrfOf(flow),
      method: 'password',
      identifier: email.toUpperCase(),
      password: PASSWORD,
    },
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `${target().uiBase}/`);
  const session = await browser.frontend.toSession();
  assert.equal(session.identity?.traits.email, email);
});

test('JSON login: 400 with 4000002 per missing field, 400 4000006, then 200 with the session', async () => {
  const browser = newBrowser(target());
  const flow = await browserLoginFlow(browser);
  const missing = await sdkError(
    browser.frontend.updateLoginFlow({
      flow: flow.id,
      updateLoginFlowBody: {
        method: 'password',
        csrf_token: csrfOf(flow),
        identifier: '',
        password: '',
      },
    }),
  );
  assert.equal(missing.status, 400);
  const missingFlow = missing.body as unknown as WireFlow;
  assert.deepEqual(
    nodeOf(missingFlow, 'identifier').messages.map((m) => [m.id, m.text]),
    [[4000002, 'Property identifier is missing.']],
  );
  assert.deepEqual(
    nodeOf(missingFlow, 'password').messages.map((m) => m.id),
    [4000002],
  );
  const wrong = await sdkError(
    browser.frontend.updateLoginFlow({
      flow: flow.id,
      updateLoginFlowBody: {
        method: 'password',
        csrf_token: csrfOf(flow),
        identifier: email,
        password: 'nope nope nope',
      },
    }),
  );
  assert.equal(wrong.status, 400);
  assert.deepEqual(messageIds(wrong.body as unknown as WireFlow), [4000006]);
  const ok = await browser.frontend.updateLoginFlow({
    flow: flow.id,
    updateLoginFlowBody: {
      method: 'password',
      csrf_token: csrfOf(flow),
      identifier: email,
      password: PASSWORD,
    },
  });
  assert.equal(ok.session.identity?.traits.email, email);
  assert.equal(ok.session_token, undefined);
  assert.deepEqual(ok.continue_with, [
    { action: 'redirect_browser_to', redirect_browser_to: `${target().uiBase}/` },
  ]);
});

test('API login returns a session token; a second API login with it is session_already_available', async () => {
  const native = newNativeClient(target());
  const flow = await native.createNativeLoginFlow();
  assert.equal(flow.type, 'api');
  const result = await native.updateLoginFlow({
    flow: flow.id,
    updateLoginFlowBody: { method: 'password', identifier: email, password: PASSWORD },
  });
  assert.ok(result.session_token);
  // Real Kratos answers an API login with `continue_with: null` (recorded in
  // shared/ory/kratos/transcripts/login-api.json); the token is in session_token.
  assert.equal(result.continue_with ?? null, null);
  const again = await sdkError(
    native.createNativeLoginFlow({ xSessionToken: result.session_token! }),
  );
  assert.equal(again.status, 400);
  assert.equal(errorId(again.body), 'session_already_available');
  const refresh = await native.createNativeLoginFlow({
    xSessionToken: result.session_token!,
    refresh: true,
  });
  assert.equal(refresh.refresh, true);
});

test('a signed-in browser: JSON init is 400 session_already_available, browser init redirects, refresh=true re-authenticates', async () => {
  const browser = newBrowser(target());
  const first = await browserLoginFlow(browser);
  await browser.frontend.updateLoginFlow({
    flow: first.id,
    updateLoginFlowBody: {
      method: 'password',
      csrf_token: csrfOf(first),
      identifier: email,
      password: PASSWORD,
    },
  });
  const before = await browser.frontend.toSession();

  const json = await sdkError(browserLoginFlow(browser));
  assert.equal(json.status, 400);
  assert.equal(errorId(json.body), 'session_already_available');
  const redirect = await browser.fetch('/self-service/login/browser');
  assert.equal(redirect.status, 303);
  assert.equal(redirect.headers.get('location'), `${target().uiBase}/`);

  const refresh = await browserLoginFlow(browser, { refresh: true });
  assert.equal(refresh.refresh, true);
  const identifier = nodeOf(refresh, 'identifier');
  assert.equal(identifier.attributes.type, 'hidden');
  assert.equal(identifier.attributes.value, email);
  assert.deepEqual(
    refresh.ui.messages?.map((m) => m.id),
    [1010003],
  );
  const done = await browser.frontend.updateLoginFlow({
    flow: refresh.id,
    updateLoginFlowBody: {
      method: 'password',
      csrf_token: csrfOf(refresh),
      identifier: email,
      password: PASSWORD,
    },
  });
  assert.equal(done.session.id, before.id, 'a refresh re-authenticates the same session');
  assert.equal(done.session.authentication_methods?.length, 2);
});

test('a completed API login flow can be submitted again: a new session, the flow marked active', async () => {
  // Kratos accepts the same API flow again (shared/ory/kratos/transcripts/login-api.json#7-8).
  const native = newNativeClient(target());
  const flow = await native.createNativeLoginFlow();
  const body = { method: 'password' as const, identifier: email, password: PASSWORD };
  const first = await native.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: body });
  const again = await native.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: body });
  assert.notEqual(again.session.id, first.session.id);
  assert.notEqual(again.session_token, first.session_token);
  const finished = (await native.getLoginFlow({ id: flow.id })) as unknown as WireFlow & {
    active?: string;
  };
  assert.equal(finished.active, 'password');
  assert.deepEqual(messageIds(finished), []);
});

test('unknown and malformed flow ids: 404 on fetch; a submit without a flow id is 400', async () => {
  const native = newNativeClient(target());
  for (const id of [
    '00000000-0000-4000-8000-000000000000',
    'not-a-uuid',
    "'; drop table flows; --",
  ]) {
    const res = await sdkError(native.getLoginFlow({ id }));
    assert.equal(res.status, 404);
    assert.equal((res.body.error as { code: number }).code, 404);
  }
  const res = await fetch(`${target().publicURL}/self-service/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ method: 'password', identifier: email, password: PASSWORD }),
  });
  assert.equal(res.status, 400);
});

test('an unknown method gives 4010002; a wrong CSRF token 403 security_csrf_violation', async () => {
  const browser = newBrowser(target());
  const flow = await browserLoginFlow(browser);
  const res = await browser.fetch(flow.ui.action, {
    method: 'POST',
    json: { method: 'totp', csrf_token: csrfOf(flow) },
    headers: { accept: 'application/json' },
  });
  assert.equal(res.status, 400);
  assert.deepEqual(messageIds((await res.json()) as WireFlow), [4010002]);
  const csrf = await sdkError(
    browser.frontend.updateLoginFlow({
      flow: flow.id,
      updateLoginFlowBody: {
        method: 'password',
        csrf_token: csrfOf(flow).slice(4) + 'AAAA',
        identifier: email,
        password: PASSWORD,
      },
    }),
  );
  assert.equal(csrf.status, 403);
  assert.equal(errorId(csrf.body), 'security_csrf_violation');
});

test('aal2 without a session is 401 session_aal1_required', async () => {
  const res = await sdkError(newBrowser(target()).frontend.createBrowserLoginFlow({ aal: 'aal2' }));
  assert.equal(res.status, 401);
  assert.equal(errorId(res.body), 'session_aal1_required');
});
test('an inactive identity cannot sign in (4010011), and its sessions stop working', async () => {
  const native = newNativeClient(target());
  const victim = uniqueEmail('inactive');
  const { token, identityId } = await registerNative(native, victim);
  await target().identityApi.patchIdentity({
    id: identityId,
    jsonPatch: [{ op: 'replace', path: '/state', value: 'inactive' }],
  });
  const who = await sdkError(native.toSession({ xSessionToken: token }));
  assert.equal(who.status, 401);
  const flow = await native.createNativeLoginFlow();
  const res = await sdkError(
    native.updateLoginFlow({
      flow: flow.id,
      updateLoginFlowBody: { method: 'password', identifier: victim, password: PASSWORD },
    }),
  );
  assert.equal(res.status, 400);
  assert.deepEqual(messageIds(res.body as unknown as WireFlow), [4010011]);
});

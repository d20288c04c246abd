// Contract: registration flows (browser form, browser JSON through the SDK, API), validation
// messages with Kratos's ids, CSRF, return_to. Every response is checked against Kratos's spec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newBrowser, newNativeClient, fileTarget, startTarget } from './harness.ts';
import {
  PASSWORD,
  csrfOf,
  errorId,
  messageIds,
  nodeOf,
  sdkError,
  uniqueEmail,
  type WireFlow,
} from './helpers.ts';

const target = fileTarget(startTarget);

test('browser init redirects to the registration UI with a flow id and sets the CSRF cookie', async () => {
  const browser = newBrowser(target());
  const res = await browser.fetch('/self-service/registration/browser');
  assert.equal(res.status, 303);
  const location = new URL(res.headers.get('location')!);
  assert.equal(`${location.origin}${location.pathname}`, `${target().uiBase}/registration`);
  assert.match(location.searchParams.get('flow')!, /^[0-9a-f-]{36}$/);
  const csrfCookie = res.headers.getSetCookie().find((c) => c.startsWith('csrf_token_'));
  assert.ok(csrfCookie, 'a csrf_token_<hash> cookie is set');
  assert.match(csrfCookie, /HttpOnly/i);
  assert.match(csrfCookie, /Path=\//);
  assert.match(csrfCookie, /SameSite=Lax/i);

  const flow = await browser.frontend.getRegistrationFlow({
    id: location.searchParams.get('flow')!,
  });
  assert.equal(flow.type, 'browser');
  assert.equal(flow.ui.action, `${target().publicURL}/self-service/registration?flow=${flow.id}`);
  const email = nodeOf(flow, 'traits.email');
  assert.equal(email.attributes.type, 'email');
  assert.equal(email.meta.label?.id, 1070002);
  // Kratos's default style, profile_first: the first screen has the traits and method=profile;
  // the password comes on the credential screen.
  assert.equal(
    flow.ui.nodes.some((n) => (n.attributes as { name?: string }).name === 'password'),
    false,
  );
  const submit = nodeOf(flow, 'method');
  assert.equal(submit.attributes.value, 'profile');
  assert.equal(submit.group, 'profile');
  assert.equal(submit.meta.label?.id, 1040001);
});

test('a browser flow cannot be fetched without its CSRF cookie (403 security_csrf_violation)', async () => {
  const browser = newBrowser(target());
  const flow = await browser.frontend.createBrowserRegistrationFlow();
  const stranger = newBrowser(target());
  const res = await stranger.fetch(`/self-service/registration/flows?id=${flow.id}`, {
    headers: { accept: 'application/json' },
  });
  assert.equal(res.status, 403);
  assert.equal(errorId((await res.json()) as Record<string, unknown>), 'security_csrf_violation');
});

test('form registration signs in with the session hook: 303 to the return URL and a session cookie', async () => {
  const browser = newBrowser(target());
  const flow = await browser.frontend.createBrowserRegistrationFlow();
  const email = uniqueEmail('form');
  const res = await browser.fetch(flow.ui.action, {
    method: 'POST',
    form: {
      csrf_token: csrfOf(flow),
      method: 'password',
      'traits.email': email,
      password: PASSWORD,
      'traits.name.first': 'Ada',
    },
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `${target().uiBase}/`);
  const sessionCookie = res.headers.getSetCookie().find((c) => c.startsWith('ory_kratos_session='));
  assert.ok(sessionCookie);
  assert.match(sessionCookie, /HttpOnly/i);
  assert.match(sessionCookie, /SameSite=Lax/i);
  assert.match(sessionCookie, /Path=\//);
  assert.doesNotMatch(sessionCookie, /Domain=/i);
  const session = await browser.frontend.toSession();
  assert.equal(session.identity?.traits.email, email);
  assert.deepEqual(session.identity?.traits.name, { first: 'Ada' });
  assert.equal(session.authenticator_assurance_level, 'aal1');
  assert.equal(session.authentication_methods?.[0]?.method, 'password');
});

test('SDK (JSON) registration returns session, identity and continue_with redirect_browser_to', async () => {
  const browser = newBrowser(target());
  const flow = await browser.frontend.createBrowserRegistrationFlow();
  const email = uniqueEmail('json');
  const result = await browser.frontend.updateRegistrationFlow({
    flow: flow.id,
    updateRegistrationFlowBody: {
      method: 'password',
      csrf_token: csrfOf(flow),
      traits: { email },
      password: PASSWORD,
    },
  });
  assert.equal(result.identity.traits.email, email);
  assert.equal(result.session?.identity?.id, result.identity.id);
  assert.equal(result.session_token, undefined, 'browser flows never expose the session token');
  assert.deepEqual(result.continue_with?.[0], {
    action: 'redirect_browser_to',
    redirect_browser_to: `${target().uiBase}/`,
  });
  assert.equal((result.identity as unknown as Record<string, unknown>).credentials, undefined);
  assert.ok(await browser.cookie('ory_kratos_session'));
});

test('missing fields give 4000002 on each node (JSON 400, form 302 back to the same flow)', async () => {
  const browser = newBrowser(target());
  const flow = await browser.frontend.createBrowserRegistrationFlow();
  const { status, body } = await sdkError(
    browser.frontend.updateRegistrationFlow({
      flow: flow.id,
      updateRegistrationFlowBody: {
        method: 'password',
        csrf_token: csrfOf(flow),
        traits: {},
        password: '',
      },
    }),
  );
  assert.equal(status, 400);
  const failed = body as unknown as WireFlow;
  assert.equal(failed.id, flow.id);
  assert.deepEqual(
    nodeOf(failed, 'traits.email').messages.map((m) => m.id),
    [4000002],
  );
  assert.deepEqual(
    nodeOf(failed, 'password').messages.map((m) => m.id),
    [4000002],
  );

  const form = await browser.fetch(flow.ui.action, {
    method: 'POST',
    form: {
      csrf_token: csrfOf(flow),
      method: 'password',
      'traits.email': 'not-an-email',
      password: PASSWORD,
    },
  });
  // Kratos's registration error handler redirects with 302 Found (login's uses 303), as recorded
  // in shared/ory/kratos/transcripts/registration-browser-one-step.json.
  assert.equal(form.status, 302);
  assert.equal(form.headers.get('location'), `${target().uiBase}/registration?flow=${flow.id}`);
  const shown = (await browser.frontend.getRegistrationFlow({
    id: flow.id,
  })) as unknown as WireFlow;
  assert.equal(nodeOf(shown, 'traits.email').attributes.value, 'not-an-email');
  assert.ok(nodeOf(shown, 'traits.email').messages.length > 0);
  // The profile screen is shown again (no password node, as Kratos); the password is never echoed.
  assert.ok(
    shown.ui.nodes.every((n) => (n.attributes as { value?: unknown }).value !== PASSWORD),
    'the password is never echoed',
  );
});

test('password policy: too short (4000032) and too similar to the identifier (4000031)', async () => {
  const native = newNativeClient(target());
  const flow = await native.createNativeRegistrationFlow();
  const short = await sdkError(
    native.updateRegistrationFlow({
      flow: flow.id,
      updateRegistrationFlowBody: {
        method: 'password',
        traits: { email: uniqueEmail() },
        password: 'short',
      },
    }),
  );
  assert.equal(short.status, 400);
  assert.deepEqual(
    nodeOf(short.body as unknown as WireFlow, 'password').messages.map((m) => m.id),
    [4000032],
  );
  const email = uniqueEmail('similarname');
  const similar = await sdkError(
    native.updateRegistrationFlow({
      flow: flow.id,
      updateRegistrationFlowBody: { method: 'password', traits: { email }, password: email },
    }),
  );
  assert.equal(similar.status, 400);
  assert.deepEqual(
    nodeOf(similar.body as unknown as WireFlow, 'password').messages.map((m) => m.id),
    [4000031],
  );
});

test('an identifier that exists already gives 4000007', async () => {
  const native = newNativeClient(target());
  const email = uniqueEmail('dup');
  const first = await native.createNativeRegistrationFlow();
  await native.updateRegistrationFlow({
    flow: first.id,
    updateRegistrationFlowBody: { method: 'password', traits: { email }, password: PASSWORD },
  });
  const second = await native.createNativeRegistrationFlow();
  const { status, body } = await sdkError(
    native.updateRegistrationFlow({
      flow: second.id,
      updateRegistrationFlowBody: {
        method: 'password',
        traits: { email: email.toUpperCase() },
        password: PASSWORD,
      },
    }),
  );
  assert.equal(status, 400);
  assert.ok(messageIds(body as unknown as WireFlow).includes(4000007));
});

test('API registration returns a session token and set_ory_session_token', async () => {
  const native = newNativeClient(target());
  const flow = await native.createNativeRegistrationFlow();
  assert.equal(flow.type, 'api');
  // Kratos gives API flows the csrf_token node too, with an empty value.
  assert.equal(
    (flow.ui.nodes as Array<{ attributes: { name?: string; value?: unknown } }>).find(
      (n) => n.attributes.name === 'csrf_token',
    )?.attributes.value,
    '',
  );
  const email = uniqueEmail('api');
  const result = await native.updateRegistrationFlow({
    flow: flow.id,
    updateRegistrationFlowBody: { method: 'password', traits: { email }, password: PASSWORD },
  });
  assert.match(result.session_token ?? '', /.{20,}/);
  assert.deepEqual(result.continue_with?.[0], {
    action: 'set_ory_session_token',
    ory_session_token: result.session_token,
  });
  const session = await native.toSession({ xSessionToken: result.session_token! });
  assert.equal(session.identity?.traits.email, email);
});

test('a completed API registration flow can be submitted again: a second identity', async () => {
  // Kratos accepts the same API flow again (shared/ory/kratos/transcripts/registration-api.json#3).
  const native = newNativeClient(target());
  const flow = await native.createNativeRegistrationFlow();
  const submit = (email: string) =>
    native.updateRegistrationFlow({
      flow: flow.id,
      updateRegistrationFlowBody: { method: 'password', traits: { email }, password: PASSWORD },
    });
  const first = await submit(uniqueEmail());
  const again = await submit(uniqueEmail());
  assert.notEqual(again.identity.id, first.identity.id);
  assert.ok(again.session_token);
});

test('a missing or wrong CSRF token is refused (403 JSON; form posts go to the error UI)', async () => {
  const browser = newBrowser(target());
  const flow = await browser.frontend.createBrowserRegistrationFlow();
  const body = {
    method: 'password' as const,
    csrf_token: 'bm9wZQ==',
    traits: { email: uniqueEmail() },
    password: PASSWORD,
  };
  const json = await sdkError(
    browser.frontend.updateRegistrationFlow({ flow: flow.id, updateRegistrationFlowBody: body }),
  );
  assert.equal(json.status, 403);
  assert.equal(errorId(json.body), 'security_csrf_violation');
  const form = await browser.fetch(flow.ui.action, {
    method: 'POST',
    form: { method: 'password', 'traits.email': uniqueEmail(), password: PASSWORD },
  });
  assert.equal(form.status, 303);
  const errorURL = new URL(form.headers.get('location')!);
  assert.equal(`${errorURL.origin}${errorURL.pathname}`, `${target().uiBase}/error`);
  const stored = await browser.frontend.getFlowError({ id: errorURL.searchParams.get('id')! });
  assert.equal((stored.error as { id?: string }).id, 'security_csrf_violation');
});

test('an unknown method gives 4010003', async () => {
  const native = newNativeClient(target());
  const flow = await native.createNativeRegistrationFlow();
  const res = await fetch(flow.ui.action, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ method: 'carrier-pigeon' }),
  });
  assert.equal(res.status, 400);
  assert.deepEqual(messageIds((await res.json()) as WireFlow), [4010003]);
});

test('return_to must be allowed: allowed ones are kept, others are 400 self_service_flow_return_to_forbidden', async () => {
  const browser = newBrowser(target());
  const allowed = `${target().uiBase}/welcome?x=1`;
  const flow = await browser.frontend.createBrowserRegistrationFlow({ returnTo: allowed });
  assert.equal(flow.return_to, allowed);
  const res = await browser.fetch(flow.ui.action, {
    method: 'POST',
    form: {
      csrf_token: csrfOf(flow),
      method: 'password',
      'traits.email': uniqueEmail(),
      password: PASSWORD,
    },
  });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), allowed);

  const denied = await sdkError(
    browser.frontend.createBrowserRegistrationFlow({ returnTo: 'https://evil.example/steal' }),
  );
  assert.equal(denied.status, 400);
  assert.equal(errorId(denied.body), 'self_service_flow_return_to_forbidden');
  const viaBrowser = await newBrowser(target()).fetch(
    '/self-service/registration/browser?return_to=https%3A%2F%2Fevil.example%2F',
  );
  assert.equal(viaBrowser.status, 303);
  assert.match(viaBrowser.headers.get('location')!, new RegExp(`^${target().uiBase}/error\\?id=`));
});

test('registration while signed in: 400 session_already_available (JSON), redirect for browsers', async () => {
  const browser = newBrowser(target());
  const flow = await browser.frontend.createBrowserRegistrationFlow();
  await browser.frontend.updateRegistrationFlow({
    flow: flow.id,
    updateRegistrationFlowBody: {
      method: 'password',
      csrf_token: csrfOf(flow),
      traits: { email: uniqueEmail() },
      password: PASSWORD,
    },
  });
  const json = await sdkError(browser.frontend.createBrowserRegistrationFlow());
  assert.equal(json.status, 400);
  assert.equal(errorId(json.body), 'session_already_available');
  const res = await browser.fetch('/self-service/registration/browser');
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `${target().uiBase}/`);
});

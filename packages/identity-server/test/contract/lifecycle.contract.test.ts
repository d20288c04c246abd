// Contract: flow expiry (on a fake clock), concurrent submits of one flow, and the session hook.
// These need control over the server's clock and config, so they run on the embedded server only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { external, newBrowser, newNativeClient, fileTarget, startTarget } from './harness.ts';
import {
  PASSWORD,
  csrfOf,
  errorId,
  messageIds,
  registerNative,
  sdkError,
  uniqueEmail,
  type WireFlow,
} from './helpers.ts';

if (external)
  console.log('# notice: lifecycle contract tests need the embedded server (fake clock); skipped');

const target = fileTarget(startTarget, { skip: external });

const HOUR = 60 * 60 * 1000;

test(
  'an expired flow: fetch is 410 with redirect_to; JSON submit is 410 with use_flow_id; a form post lands on a fresh flow',
  { skip: external },
  async () => {
    const browser = newBrowser(target());
    const flow = await browser.frontend.createBrowserLoginFlow();
    const formFlow = await browser.frontend.createBrowserLoginFlow();
    target().embedded!.clock.advance(HOUR + 1000);

    const fetched = await sdkError(browser.frontend.getLoginFlow({ id: flow.id }));
    assert.equal(fetched.status, 410);
    assert.equal(errorId(fetched.body), 'self_service_flow_expired');
    const details = (fetched.body.error as { details: { redirect_to: string } }).details;
    assert.equal(details.redirect_to, `${target().publicURL}/self-service/login/browser`);

    const submitted = await sdkError(
      browser.frontend.updateLoginFlow({
        flow: flow.id,
        updateLoginFlowBody: {
          method: 'password',
          csrf_token: csrfOf(flow),
          identifier: 'a@example.com',
          password: PASSWORD,
        },
      }),
    );
    assert.equal(submitted.status, 410);
    assert.equal(errorId(submitted.body), 'self_service_flow_expired');
    const replacement = String(submitted.body.use_flow_id);
    assert.notEqual(replacement, flow.id);
    assert.ok(Date.parse(String(submitted.body.expired_at)) < Date.now() + HOUR + 2000);
    const fresh = (await browser.frontend.getLoginFlow({ id: replacement })) as unknown as WireFlow;
    assert.deepEqual(
      fresh.ui.messages?.map((m) => m.id),
      [4010001],
    );

    const form = await browser.fetch(formFlow.ui.action, {
      method: 'POST',
      form: {
        csrf_token: csrfOf(formFlow),
        method: 'password',
        identifier: 'a@example.com',
        password: PASSWORD,
      },
    });
    assert.equal(form.status, 303);
    const location = new URL(form.headers.get('location')!);
    assert.equal(`${location.origin}${location.pathname}`, `${target().uiBase}/login`);
    assert.notEqual(location.searchParams.get('flow'), formFlow.id);
  },
);

test(
  'an expired registration API flow: 410 with use_flow_id pointing at a new API flow (4040001)',
  { skip: external },
  async () => {
    const native = newNativeClient(target());
    const flow = await native.createNativeRegistrationFlow();
    target().embedded!.clock.advance(HOUR + 1000);
    const res = await sdkError(
      native.updateRegistrationFlow({
        flow: flow.id,
        updateRegistrationFlowBody: {
          method: 'password',
          traits: { email: uniqueEmail() },
          password: PASSWORD,
        },
      }),
    );
    assert.equal(res.status, 410);
    const fresh = (await native.getRegistrationFlow({
      id: String(res.body.use_flow_id),
    })) as unknown as WireFlow;
    assert.equal(fresh.type, 'api');
    assert.deepEqual(messageIds(fresh), [4040001]);
  },
);

test(
  'two parallel submits of one browser login flow: exactly one session',
  { skip: external },
  async () => {
    const native = newNativeClient(target());
    const email = uniqueEmail('race');
    await registerNative(native, email);
    for (let round = 0; round < 3; round++) {
      // A browser flow: an API flow may be submitted again, as Kratos allows.
      const browser = newBrowser(target());
      const flow = await browser.frontend.createBrowserLoginFlow();
      const body = {
        method: 'password' as const,
        csrf_token: csrfOf(flow),
        identifier: email,
        password: PASSWORD,
      };
      const results = await Promise.allSettled([
        browser.frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: body }),
        browser.frontend.updateLoginFlow({ flow: flow.id, updateLoginFlowBody: body }),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, `round ${round}`);
      const loser = results.find((r) => r.status === 'rejected');
      const failure = await sdkError(Promise.reject((loser as PromiseRejectedResult).reason));
      assert.equal(failure.status, 400);
      assert.deepEqual(messageIds(failure.body as unknown as WireFlow), [4010007]);
    }
  },
);

test(
  'two parallel submits of one registration flow: exactly one identity',
  { skip: external },
  async () => {
    const browser = newBrowser(target());
    const flow = await browser.frontend.createBrowserRegistrationFlow();
    const submit = (email: string) =>
      browser.frontend.updateRegistrationFlow({
        flow: flow.id,
        updateRegistrationFlowBody: {
          method: 'password',
          csrf_token: csrfOf(flow),
          traits: { email },
          password: PASSWORD,
        },
      });
    const results = await Promise.allSettled([
      submit(uniqueEmail('r1')),
      submit(uniqueEmail('r2')),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
  },
);

test(
  'sessions expire after session.lifespan and whoami then says 401',
  { skip: external },
  async () => {
    const native = newNativeClient(target());
    const { token } = await registerNative(native, uniqueEmail('ttl'));
    assert.equal((await native.toSession({ xSessionToken: token })).active, true);
    target().embedded!.clock.advance(25 * HOUR);
    const res = await sdkError(native.toSession({ xSessionToken: token }));
    assert.equal(res.status, 401);
  },
);

test(
  'without the session hook, registration creates the identity but no session',
  { skip: external },
  async () => {
    const bare = await startTarget({
      selfservice: { flows: { registration: { after: { password: { hooks: [] } } } } },
    });
    try {
      const browser = newBrowser(bare);
      const flow = await browser.frontend.createBrowserRegistrationFlow();
      const result = await browser.frontend.updateRegistrationFlow({
        flow: flow.id,
        updateRegistrationFlowBody: {
          method: 'password',
          csrf_token: csrfOf(flow),
          traits: { email: uniqueEmail() },
          password: PASSWORD,
        },
      });
      assert.ok(result.identity.id);
      assert.equal(result.session, undefined);
      assert.equal(await browser.cookie('ory_kratos_session'), undefined);
      assert.equal((await sdkError(browser.frontend.toSession())).status, 401);
      const native = newNativeClient(bare);
      const api = await native.createNativeRegistrationFlow();
      const viaAPI = await native.updateRegistrationFlow({
        flow: api.id,
        updateRegistrationFlowBody: {
          method: 'password',
          traits: { email: uniqueEmail() },
          password: PASSWORD,
        },
      });
      assert.equal(viaAPI.session_token, undefined);
    } finally {
      await bare.close();
    }
  },
);

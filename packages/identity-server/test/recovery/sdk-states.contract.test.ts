// Recovery's failure states through @ory/client-fetch over real sockets (PGlite), every response
// validated against Kratos's OpenAPI document, with Kratos's default feature flags: the same answer
// for unknown addresses, wrong and replayed codes (4060006), code expiry on a fake clock (4060005),
// and a JSON client that solved the code told to move the browser (422
// browser_location_change_required). Codes are read from mail received by a real SMTP server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ResponseError } from '@ory/client-fetch';
import { fileTarget, newBrowser, newNativeClient, type Target } from '../contract/harness.ts';
import {
  csrfOf,
  errorId,
  messageIds,
  registerNative,
  sdkError,
  uniqueEmail,
  type WireFlow,
} from '../contract/helpers.ts';
import type { TestSMTPServer } from '../courier/smtp-server.ts';
import { mailedCode, startTargetWithMail } from './mail-target.ts';

const stack = fileTarget(() =>
  startTargetWithMail({
    selfservice: { methods: { code: { config: { lifespan: '5m' } } } },
  }),
);
const target = (): Target => stack().target;
const smtp = (): TestSMTPServer => stack().smtp;

/** The recovery code in the first mail to `to` received after mail number `since`. */
const recoveryCode = (to: string, since: number) => mailedCode(smtp(), to, 'recover', since);

const shape = (flow: WireFlow) =>
  flow.ui.nodes.map((n) => [n.group, n.attributes.name, n.attributes.type]);

/** An SDK call answered with a 303 (the SDK's fetch does not follow): the flow it points at. */
async function redirectedFlowId(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    assert.ok(err instanceof ResponseError, String(err));
    assert.equal(err.response.status, 303);
    const location = new URL(err.response.headers.get('location')!);
    assert.equal(location.pathname, '/self-service/recovery/flows');
    return location.searchParams.get('id')!;
  }
  assert.fail('expected a redirect');
}

test('SDK: an unknown address gets exactly the answer a known one gets', async () => {
  const known = uniqueEmail('known');
  await registerNative(newNativeClient(target()), known);
  const send = async (email: string) => {
    const native = newNativeClient(target());
    const flow = await native.createNativeRecoveryFlow();
    return native.updateRecoveryFlow({
      flow: flow.id,
      updateRecoveryFlowBody: { method: 'code', email },
    });
  };
  const a = (await send(known)) as unknown as WireFlow;
  const b = (await send(uniqueEmail('nobody'))) as unknown as WireFlow;
  const stateOf = (flow: WireFlow) => (flow as unknown as { state: string }).state;
  assert.equal(stateOf(b), 'sent_email');
  assert.equal(stateOf(b), stateOf(a));
  assert.deepEqual(messageIds(b), messageIds(a));
  assert.deepEqual(messageIds(a), [1060003]);
  assert.deepEqual(shape(b), shape(a));
});

test('SDK: a wrong code is 4060006 on the flow; the right one signs in once; a replay is 4060006 again', async () => {
  const email = uniqueEmail('codes');
  await registerNative(newNativeClient(target()), email);
  const native = newNativeClient(target());
  const flow = await native.createNativeRecoveryFlow();
  const mark = smtp().mails.length;
  await native.updateRecoveryFlow({
    flow: flow.id,
    updateRecoveryFlowBody: { method: 'code', email },
  });
  const code = await recoveryCode(email, mark);
  const wrong = await native.updateRecoveryFlow({
    flow: flow.id,
    updateRecoveryFlowBody: { method: 'code', code: code === '000000' ? '111111' : '000000' },
  });
  assert.equal(wrong.state, 'sent_email');
  assert.deepEqual(messageIds(wrong as unknown as WireFlow), [4060006]);

  // Kratos's default (no continue_with transitions): a JSON client is told to move the browser.
  const solved = await sdkError(
    native.updateRecoveryFlow({ flow: flow.id, updateRecoveryFlowBody: { method: 'code', code } }),
  );
  assert.equal(solved.status, 422);
  assert.equal(errorId(solved.body), 'browser_location_change_required');
  assert.ok(
    String(solved.body.redirect_browser_to).startsWith(`${target().uiBase}/settings?flow=`),
    String(solved.body.redirect_browser_to),
  );

  const replay = await native.updateRecoveryFlow({
    flow: flow.id,
    updateRecoveryFlowBody: { method: 'code', code },
  });
  assert.equal(replay.id, flow.id);
  assert.deepEqual(messageIds(replay as unknown as WireFlow), [4060006]);
});

test('SDK: the code expires after methods.code.config.lifespan (fake clock): a new flow with 4060005', async () => {
  const email = uniqueEmail('late');
  await registerNative(newNativeClient(target()), email);
  const browser = newBrowser(target());
  const flow = await browser.frontend.createBrowserRecoveryFlow();
  const mark = smtp().mails.length;
  const sent = await browser.frontend.updateRecoveryFlow({
    flow: flow.id,
    updateRecoveryFlowBody: { method: 'code', email, csrf_token: csrfOf(flow) },
  });
  const code = await recoveryCode(email, mark);
  target().embedded!.clock.advance(5 * 60_000 + 1_000);
  const next = await redirectedFlowId(
    browser.frontend.updateRecoveryFlow({
      flow: flow.id,
      updateRecoveryFlowBody: { method: 'code', code, csrf_token: csrfOf(sent) },
    }),
  );
  assert.notEqual(next, flow.id);
  const fresh = await browser.frontend.getRecoveryFlow({ id: next });
  assert.equal(fresh.state, 'choose_method');
  assert.deepEqual(messageIds(fresh as unknown as WireFlow), [4060005]);
  assert.equal(await browser.cookie('ory_kratos_session'), undefined, 'no session');
});

// Verification with the `code` method: started by the user or after registration, by form or by
// the emailed link; verifiable_addresses updated as Kratos does; require_verified_address on login.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addressOf,
  assertSchema,
  csrfOf,
  flowFromUIRedirect,
  lifecycleSetup,
  messageIds,
  node,
  registerIdentity,
  type Flow,
} from '../recovery/support.ts';

test('browser verification by form: sent_email → passed_challenge; the address becomes verified/completed', async () => {
  const life = await lifecycleSetup();
  const { token } = await registerIdentity(life, 'ada@example.org');
  assert.equal((await addressOf(life, token)).verified, false);
  const client = life.browser();
  let flow = await flowFromUIRedirect(
    client,
    await client.request('/self-service/verification/browser'),
    'verification',
  );
  assert.equal(flow.state, 'choose_method');
  assertSchema('verificationFlow', flow);
  const sent = await client.request(flow.ui.action, {
    method: 'POST',
    form: { csrf_token: csrfOf(flow), method: 'code', email: 'ada@example.org' },
  });
  flow = await flowFromUIRedirect(client, sent, 'verification');
  assert.equal(flow.state, 'sent_email');
  assert.deepEqual(messageIds(flow), [1080003]);
  assert.equal(node(flow, 'code')?.attributes.autocomplete, 'one-time-code');
  assert.equal((await addressOf(life, token)).status, 'sent');

  const code = (await life.lastCode('ada@example.org'))!;
  const done = await client.request(flow.ui.action, {
    method: 'POST',
    form: { csrf_token: csrfOf(flow), method: 'code', code },
  });
  flow = await flowFromUIRedirect(client, done, 'verification');
  assert.equal(flow.state, 'passed_challenge');
  assert.deepEqual(messageIds(flow), [1080002]);
  const cont = flow.ui.nodes.find((n) => n.type === 'a');
  assert.equal(cont?.attributes.href, life.context.config.selfservice.default_browser_return_url);
  assertSchema('verificationFlow', flow);
  const address = await addressOf(life, token);
  assert.equal(address.verified, true);
  assert.equal(address.status, 'completed');
  assert.equal(address.verified_at, life.context.clock.now().toISOString());
});

test('the emailed link (a GET on the public base URL) puts the code into the flow for the browser that opened it; only the submit verifies', async () => {
  const life = await lifecycleSetup();
  const { token } = await registerIdentity(life, 'bo@example.org');
  const client = life.browser();
  const init = (await (await client.request('/self-service/verification/api')).json()) as Flow;
  await client.request(init.ui.action, {
    method: 'POST',
    json: { method: 'code', email: 'bo@example.org' },
  });
  await life.courier.idle();
  const mail = life.mailbox.messages()[0]!;
  const link = /^(http\S+)$/m.exec(mail.text)?.[1] ?? '';
  // As Kratos (url.Values.Encode sorts the keys): code first, then flow.
  assert.match(
    link,
    new RegExp(`^${life.base}/self-service/verification\\?code=\\d{6}&flow=${init.id}$`),
  );
  assert.match(mail.html, /<a href="http:\/\/localhost:4433\/self-service\/verification\?code=/);
  const code = new URL(link).searchParams.get('code')!;
  // Opening it (a mail scanner does the same) uses nothing up.
  const browser = life.browser();
  const res = await browser.request(link);
  assert.equal(res.status, 303);
  assert.equal(
    res.headers.get('location'),
    `${life.context.config.selfservice.flows.verification.ui_url}?flow=${init.id}`,
  );
  assert.ok(res.headers.getSetCookie().some((c) => c.startsWith('csrf_token_')));
  assert.equal((await addressOf(life, token)).verified, false, 'a GET verifies nothing');
  const shown = (await (
    await browser.request(`/self-service/verification/flows?id=${init.id}`)
  ).json()) as Flow;
  assert.equal(node(shown, 'code')?.attributes.value, code, 'the code is filled in');
  // That browser submits the form (an API flow an app started, finished in the browser).
  const done = await browser.request(shown.ui.action, {
    method: 'POST',
    form: { csrf_token: csrfOf(shown), method: 'code', code },
  });
  assert.equal(done.status, 200);
  assert.equal(((await done.json()) as Flow).state, 'passed_challenge');
  assert.equal((await addressOf(life, token)).verified, true);
  const replay = await life.browser().request(link);
  assert.equal(replay.status, 303);
  assert.notEqual(
    new URL(replay.headers.get('location')!).searchParams.get('flow'),
    init.id,
    'a used link starts over',
  );
});

test('wrong code 4070006, too often 4000001, expired code 4070005, unknown address answered like a known one', async () => {
  const life = await lifecycleSetup({
    selfservice: { methods: { code: { config: { lifespan: '10m' } } } },
  });
  await registerIdentity(life, 'cy@example.org');
  const client = life.browser();
  const start = async (email: string) => {
    const init = (await (await client.request('/self-service/verification/api')).json()) as Flow;
    const res = await client.request(init.ui.action, {
      method: 'POST',
      json: { method: 'code', email },
    });
    return { init, res, flow: (await res.json()) as Flow };
  };
  const known = await start('cy@example.org');
  const unknown = await start('nobody@example.org');
  assert.equal(unknown.res.status, known.res.status);
  assert.deepEqual(unknown.flow.ui.messages, known.flow.ui.messages);
  assert.equal(unknown.flow.state, 'sent_email');

  const wrong = await client.request(known.init.ui.action, {
    method: 'POST',
    json: { method: 'code', code: '12345x' },
  });
  assert.equal(wrong.status, 200);
  assert.deepEqual(messageIds((await wrong.json()) as Flow), [4070006]);
  for (let i = 0; i < 4; i++) {
    await client.request(known.init.ui.action, {
      method: 'POST',
      json: { method: 'code', code: '000000' },
    });
  }
  const code = (await life.lastCode('cy@example.org'))!;
  const tooOften = await client.request(known.init.ui.action, {
    method: 'POST',
    json: { method: 'code', code },
  });
  // JSON: Kratos answers a retried verification flow with 410 self_service_flow_replaced.
  assert.equal(tooOften.status, 410);
  const replaced = (await tooOften.json()) as { error: { id: string }; use_flow_id: string };
  assert.equal(replaced.error.id, 'self_service_flow_replaced');
  assertSchema('errorGeneric', replaced);
  assert.deepEqual(
    messageIds(
      (await (
        await client.request(`/self-service/verification/flows?id=${replaced.use_flow_id}`)
      ).json()) as Flow,
    ),
    [4000001],
  );

  const again = await start('cy@example.org');
  const fresh = (await life.lastCode('cy@example.org'))!;
  life.context.clock.advance(10 * 60_000 + 1);
  const late = await client.request(again.init.ui.action, {
    method: 'POST',
    json: { method: 'code', code: fresh },
  });
  // An expired code: 410 self_service_flow_expired, the new flow says 4070005.
  assert.equal(late.status, 410);
  const expired = (await late.json()) as { error: { id: string }; use_flow_id: string };
  assert.equal(expired.error.id, 'self_service_flow_expired');
  assert.deepEqual(
    messageIds(
      (await (
        await client.request(`/self-service/verification/flows?id=${expired.use_flow_id}`)
      ).json()) as Flow,
    ),
    [4070005],
  );
});

test('a browser flow: success keeps the csrf_token node (ory/kratos#1547); a code sent again to the finished flow is a new flow with a regenerated CSRF cookie', async () => {
  const life = await lifecycleSetup();
  await registerIdentity(life, 'di@example.org');
  const client = life.browser();
  const init = (await (
    await client.request('/self-service/verification/browser', {
      headers: { accept: 'application/json' },
    })
  ).json()) as Flow;
  await client.request(init.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(init), method: 'code', email: 'di@example.org' },
  });
  const code = (await life.lastCode('di@example.org'))!;
  const done = await client.request(init.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(init), method: 'code', code },
  });
  assert.equal(done.status, 200);
  const passed = (await done.json()) as Flow;
  assert.deepEqual(messageIds(passed), [1080002]);
  assert.ok(node(passed, 'csrf_token'), 'the finished form still carries the CSRF token');
  const again = await client.request(init.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(init), method: 'code', code },
  });
  assert.equal(again.status, 410);
  assert.ok(again.headers.getSetCookie().some((c) => c.startsWith('csrf_token_')));
});

test('a code submitted from another client does not hand out the flow’s CSRF secret: the finished form carries the requester’s own token', async () => {
  const life = await lifecycleSetup();
  await registerIdentity(life, 'ed@example.org');
  const owner = life.browser();
  const init = (await (
    await owner.request('/self-service/verification/browser', {
      headers: { accept: 'application/json' },
    })
  ).json()) as Flow;
  await owner.request(init.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(init), method: 'code', email: 'ed@example.org' },
  });
  const code = (await life.lastCode('ed@example.org'))!;
  // Whoever holds the code (a mail scanner, another device) may finish the flow …
  const stranger = life.browser();
  const done = await stranger.request(init.ui.action, {
    method: 'POST',
    json: { method: 'code', code },
  });
  assert.equal(done.status, 200);
  // … but learns no CSRF token of the browser that started it.
  assert.equal(node((await done.json()) as Flow, 'csrf_token')?.attributes.value, '');
});

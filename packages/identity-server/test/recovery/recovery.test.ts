// Recovery with the `code` method, browser and API flows, every state and failure (Kratos
// selfservice/strategy/code/strategy_recovery.go and its tests).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertSchema,
  csrfOf,
  flowFromUIRedirect,
  lifecycleSetup,
  messageIds,
  node,
  registerIdentity,
  type Flow,
} from './support.ts';

test('browser recovery by form: choose_method → sent_email → passed_challenge → settings with a privileged session', async () => {
  const life = await lifecycleSetup();
  await registerIdentity(life, 'ada@example.org');
  const client = life.browser();
  const init = await client.request('/self-service/recovery/browser');
  let flow = await flowFromUIRedirect(client, init, 'recovery');
  assert.equal(flow.state, 'choose_method');
  assert.equal(flow.type, 'browser');
  assertSchema('recoveryFlow', flow);
  assert.equal(node(flow, 'email')?.attributes.type, 'email');
  assert.equal(node(flow, 'method', 'submit')?.attributes.value, 'code');

  const sent = await client.request(flow.ui.action, {
    method: 'POST',
    form: { csrf_token: csrfOf(flow), method: 'code', email: 'Ada@Example.org ' },
  });
  flow = await flowFromUIRedirect(client, sent, 'recovery');
  assert.equal(flow.state, 'sent_email');
  assert.deepEqual(messageIds(flow), [1060003]);
  assert.equal(node(flow, 'code')?.attributes.maxlength, 6);
  assert.equal(node(flow, 'email', 'submit')?.attributes.value, 'ada@example.org');
  assertSchema('recoveryFlow', flow);

  const code = await life.lastCode('ada@example.org');
  assert.match(code ?? '', /^\d{6}$/);
  const done = await client.request(flow.ui.action, {
    method: 'POST',
    form: { csrf_token: csrfOf(flow), method: 'code', code: code! },
  });
  assert.equal(done.status, 303);
  const settingsURL = new URL(done.headers.get('location')!);
  assert.equal(
    settingsURL.origin + settingsURL.pathname,
    life.context.config.selfservice.flows.settings.ui_url,
  );
  const whoami = await client.request('/sessions/whoami');
  assert.equal(whoami.status, 200);
  const session = (await whoami.json()) as {
    authentication_methods: Array<{ method: string }>;
    identity: { verifiable_addresses: Array<{ verified: boolean; status: string }> };
  };
  assert.equal(session.authentication_methods[0]?.method, 'code_recovery');
  assert.equal(
    session.identity.verifiable_addresses[0]?.verified,
    true,
    'the code proved the address',
  );
  assert.equal(session.identity.verifiable_addresses[0]?.status, 'completed');

  const settings = (await (
    await client.request(`/self-service/settings/flows?id=${settingsURL.searchParams.get('flow')}`)
  ).json()) as Flow;
  assert.equal(settings.state, 'show_form');
  assert.deepEqual(messageIds(settings), [1060001]);
  assertSchema('settingsFlow', settings);
  const recovered = (await (
    await client.request(`/self-service/recovery/flows?id=${flow.id}`)
  ).json()) as Flow;
  assert.equal(recovered.state, 'passed_challenge');
});

test('the answer is the same whether or not the address exists; unknown addresses get mail only when notify_unknown_recipients', async () => {
  const life = await lifecycleSetup();
  await registerIdentity(life, 'known@example.org');
  const submitEmail = async (email: string) => {
    const client = life.browser();
    const init = (await (
      await client.request('/self-service/recovery/browser', {
        headers: { accept: 'application/json' },
      })
    ).json()) as Flow;
    const res = await client.request(init.ui.action, {
      method: 'POST',
      json: { csrf_token: csrfOf(init), method: 'code', email },
    });
    return { status: res.status, flow: (await res.json()) as Flow };
  };
  const known = await submitEmail('known@example.org');
  const unknown = await submitEmail('nobody@example.org');
  assert.equal(known.status, 200);
  assert.equal(unknown.status, known.status);
  assert.equal(unknown.flow.state, known.flow.state);
  assert.deepEqual(unknown.flow.ui.messages, known.flow.ui.messages);
  const shape = (f: Flow) => f.ui.nodes.map((n) => [n.group, n.attributes.name, n.attributes.type]);
  assert.deepEqual(shape(unknown.flow), shape(known.flow));
  await life.courier.idle();
  // Registration mailed a verification code; only recovery mail counts here.
  const recoveryMails = life.mailbox.messages().filter((m) => m.subject.includes('recover'));
  assert.deepEqual(
    recoveryMails.map((m) => m.to),
    ['known@example.org'],
  );

  const notifying = await lifecycleSetup({
    selfservice: { flows: { recovery: { notify_unknown_recipients: true } } },
  });
  const client = notifying.browser();
  const init = (await (await client.request('/self-service/recovery/api')).json()) as Flow;
  const res = await client.request(init.ui.action, {
    method: 'POST',
    json: { method: 'code', email: 'ghost@example.org' },
  });
  assert.equal(res.status, 200);
  await notifying.courier.idle();
  const mail = notifying.mailbox.messages()[0];
  assert.equal(mail?.to, 'ghost@example.org');
  assert.equal(mail?.subject, 'Account access attempted');
  assert.doesNotMatch(mail!.text, /\d{6}/);
});

test('a missing or malformed email is a 400 with 4000002 / 4000040 on the email node', async () => {
  const life = await lifecycleSetup();
  const client = life.browser();
  const init = (await (await client.request('/self-service/recovery/api')).json()) as Flow;
  const missing = await client.request(init.ui.action, {
    method: 'POST',
    json: { method: 'code' },
  });
  assert.equal(missing.status, 400);
  const flow = (await missing.json()) as Flow;
  assert.deepEqual(
    node(flow, 'email')?.messages.map((m) => m.id),
    [4000002],
  );
  assertSchema('recoveryFlow', flow);
  const bad = await client.request(init.ui.action, {
    method: 'POST',
    json: { method: 'code', email: 'not-an-email' },
  });
  assert.equal(bad.status, 400);
  assert.deepEqual(
    // As a real Kratos (shared/ory/kratos/transcripts/recovery-code.json): 4000040.
    node((await bad.json()) as Flow, 'email')?.messages.map((m) => m.id),
    [4000040],
  );
});

test('wrong codes give 4060006; the sixth submission starts over with "submitted too often", even with the right code', async () => {
  const life = await lifecycleSetup();
  await registerIdentity(life, 'bo@example.org');
  const client = life.browser();
  const init = (await (await client.request('/self-service/recovery/api')).json()) as Flow;
  await client.request(init.ui.action, {
    method: 'POST',
    json: { method: 'code', email: 'bo@example.org' },
  });
  const code = (await life.lastCode('bo@example.org'))!;
  const wrong = code === '000000' ? '111111' : '000000';
  for (let i = 0; i < 5; i++) {
    const res = await client.request(init.ui.action, {
      method: 'POST',
      json: { method: 'code', code: wrong },
    });
    assert.equal(res.status, 200);
    const flow = (await res.json()) as Flow;
    assert.equal(flow.state, 'sent_email');
    assert.deepEqual(messageIds(flow), [4060006]);
  }
  const sixth = await client.request(init.ui.action, {
    method: 'POST',
    json: { method: 'code', code },
  });
  assert.equal(sixth.status, 303);
  const next = new URL(sixth.headers.get('location')!);
  assert.equal(next.pathname, '/self-service/recovery/flows');
  const fresh = (await (await client.request(next.pathname + next.search)).json()) as Flow;
  assert.notEqual(fresh.id, init.id);
  assert.equal(fresh.state, 'choose_method');
  assert.deepEqual(messageIds(fresh), [4000001]);
  assert.ok(node(fresh, 'email'));
});

test('a code is single-use, and expires after methods.code.config.lifespan (fake clock)', async () => {
  const life = await lifecycleSetup({
    selfservice: { methods: { code: { config: { lifespan: '5m' } } } },
  });
  await registerIdentity(life, 'cy@example.org');
  const start = async () => {
    const client = life.browser();
    const init = (await (await client.request('/self-service/recovery/api')).json()) as Flow;
    await client.request(init.ui.action, {
      method: 'POST',
      json: { method: 'code', email: 'cy@example.org' },
    });
    return { client, init, code: (await life.lastCode('cy@example.org'))! };
  };
  const first = await start();
  const ok = await first.client.request(first.init.ui.action, {
    method: 'POST',
    json: { method: 'code', code: first.code },
  });
  // Kratos's default answer to a JSON client that recovered: move the browser to settings.
  assert.equal(ok.status, 422);
  const again = await first.client.request(first.init.ui.action, {
    method: 'POST',
    json: { method: 'code', code: first.code },
  });
  // A used code cannot be replayed: "invalid or already used" on the same flow, as Kratos answers.
  assert.equal(again.status, 200);
  const replayed = (await again.json()) as Flow;
  assert.equal(replayed.id, first.init.id);
  assert.deepEqual(messageIds(replayed), [4060006]);
  // An email sent to the finished flow starts over with 4060001.
  const restart = await first.client.request(first.init.ui.action, {
    method: 'POST',
    json: { method: 'code', email: 'cy@example.org' },
  });
  assert.equal(restart.status, 303);
  const loc1 = new URL(restart.headers.get('location')!);
  const retried = (await (await first.client.request(loc1.pathname + loc1.search)).json()) as Flow;
  assert.deepEqual(messageIds(retried), [4060001]);

  const second = await start();
  life.context.clock.advance(5 * 60_000 + 1);
  const late = await second.client.request(second.init.ui.action, {
    method: 'POST',
    json: { method: 'code', code: second.code },
  });
  assert.equal(late.status, 303);
  const loc = new URL(late.headers.get('location')!);
  const expired = (await (await second.client.request(loc.pathname + loc.search)).json()) as Flow;
  assert.deepEqual(messageIds(expired), [4060005]);
  const whoami = await second.client.request('/sessions/whoami');
  assert.equal(whoami.status, 401);
});

// Verification with the `code` method: started by the user or after registration, by form or by
// the emailed link; verifiable_addresses updated as Kratos does; require_verified_address on login.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  requireVerifiedAddress,
  startVerification,
} from '../../src/selfservice/verification/hooks.ts';
import {
  assertSchema,
  csrfOf,
  flowFromUIRedirect,
  lifecycleSetup,
  messageIds,
  loginBrowser,
  node,
  registerIdentity,
  type Flow,
  type Lifecycle,
} from '../recovery/support.ts';

async function addressOf(life: Lifecycle, token: string) {
  const res = await life
    .browser()
    .request('/sessions/whoami', { headers: { 'x-session-token': token } });
  const session = (await res.json()) as {
    identity: {
      verifiable_addresses: Array<{
        value: string;
        verified: boolean;
        status: string;
        verified_at?: string;
      }>;
    };
  };
  return session.identity.verifiable_addresses[0]!;
}

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
  assert.ok(link.startsWith(`${life.base}/self-service/verification?flow=${init.id}&code=`), link);
  assert.match(mail.html, /<a href="http:\/\/localhost:4433\/self-service\/verification\?flow=/);
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

test('after registration: codes go to every unverified address with continue_with show_verification_ui', async () => {
  const life = await lifecycleSetup();
  const { token, identityId } = await registerIdentity(life, 'dee@example.org');
  const identity = (await life.context.persister.getIdentity(identityId))!;
  const items = await startVerification(life.context, {
    identity,
    request: new Request('http://localhost:4433/self-service/registration'),
    type: 'browser',
  });
  assert.equal(items.length, 1);
  assert.equal(items[0]!.action, 'show_verification_ui');
  assert.equal(items[0]!.flow.verifiable_address, 'dee@example.org');
  assert.equal(items[0]!.flow.url, `http://localhost:4000/verification?flow=${items[0]!.flow.id}`);
  assertSchema('continueWith', items[0]);
  const stored = await life.context.persister.getFlow(items[0]!.flow.id);
  assert.equal(stored?.body.state, 'sent_email');
  assert.match((await life.lastCode('dee@example.org')) ?? '', /^\d{6}$/);
  assert.equal((await addressOf(life, token)).status, 'sent');

  const off = await lifecycleSetup({
    selfservice: { flows: { verification: { enabled: false } } },
  });
  const other = await registerIdentity(off, 'eve@example.org');
  const none = await startVerification(off.context, {
    identity: (await off.context.persister.getIdentity(other.identityId))!,
    request: new Request('http://localhost:4433/'),
    type: 'api',
  });
  assert.deepEqual(none, []);
});

test('require_verified_address refuses login with 4000010 until an address is verified', async () => {
  const hooked = await lifecycleSetup({
    selfservice: {
      flows: { login: { after: { password: { hooks: [{ hook: 'require_verified_address' }] } } } },
    },
  });
  const { identityId } = await registerIdentity(hooked, 'fay@example.org');
  const identity = (await hooked.context.persister.getIdentity(identityId))!;
  assert.equal(requireVerifiedAddress(hooked.context, identity)?.id, 4000010);
  identity.verifiable_addresses[0]!.verified = true;
  assert.equal(requireVerifiedAddress(hooked.context, identity), undefined);

  const plain = await lifecycleSetup();
  const other = await registerIdentity(plain, 'gus@example.org');
  assert.equal(
    requireVerifiedAddress(
      plain.context,
      (await plain.context.persister.getIdentity(other.identityId))!,
    ),
    undefined,
  );
});

const REQUIRE_VERIFIED = {
  selfservice: {
    flows: { login: { after: { password: { hooks: [{ hook: 'require_verified_address' }] } } } },
  },
};

test('require_verified_address (Kratos default): no session; a code is mailed, JSON gets 403 session_verified_address_required with continue_with, a form post goes to verification', async () => {
  const life = await lifecycleSetup(REQUIRE_VERIFIED);
  await registerIdentity(life, 'ida@example.org');
  await life.courier.idle();
  const before = life.mailbox.messages().length;

  const client = life.browser();
  const res = await loginBrowser(client, 'ida@example.org', 'correct horse battery staple');
  assert.equal(res.status, 403);
  const body = (await res.json()) as {
    error: { id: string };
    continue_with: Array<{
      action: string;
      flow: { id: string; url: string; verifiable_address: string };
    }>;
  };
  assert.equal(body.error.id, 'session_verified_address_required');
  assertSchema('errorGeneric', body);
  const [item] = body.continue_with;
  assert.equal(item?.action, 'show_verification_ui');
  assert.equal(item?.flow.verifiable_address, 'ida@example.org');
  assertSchema('continueWith', item);
  assert.equal((await client.request('/sessions/whoami')).status, 401, 'no session issued');
  await life.courier.idle();
  assert.equal(life.mailbox.messages().length, before + 1, 'a fresh code was mailed');

  // The flow it names belongs to this browser and takes the mailed code.
  const flow = (await (
    await client.request(`/self-service/verification/flows?id=${item!.flow.id}`)
  ).json()) as Flow;
  assert.equal(flow.state, 'sent_email');
  const done = await client.request(flow.ui.action, {
    method: 'POST',
    json: {
      csrf_token: csrfOf(flow),
      method: 'code',
      code: (await life.lastCode('ida@example.org'))!,
    },
  });
  assert.equal(((await done.json()) as Flow).state, 'passed_challenge');
  assert.equal(
    (await loginBrowser(life.browser(), 'ida@example.org', 'correct horse battery staple')).status,
    200,
    'verified: the login goes through',
  );

  // A browser form post is sent to the verification UI.
  await registerIdentity(life, 'jay@example.org');
  const browser = life.browser();
  const init = (await (
    await browser.request('/self-service/login/browser', {
      headers: { accept: 'application/json' },
    })
  ).json()) as Flow;
  const form = await browser.request(init.ui.action, {
    method: 'POST',
    form: {
      csrf_token: csrfOf(init),
      method: 'password',
      identifier: 'jay@example.org',
      password: 'correct horse battery staple',
    },
  });
  const moved = await flowFromUIRedirect(browser, form, 'verification');
  assert.equal(moved.state, 'sent_email');
  assert.equal((await browser.request('/sessions/whoami')).status, 401);
});

test('require_verified_address with legacy_require_verified_login_error: the login form error 4000010', async () => {
  const life = await lifecycleSetup({
    ...REQUIRE_VERIFIED,
    feature_flags: { legacy_require_verified_login_error: true },
  });
  await registerIdentity(life, 'kim@example.org');
  const client = life.browser();
  const res = await loginBrowser(client, 'kim@example.org', 'correct horse battery staple');
  assert.equal(res.status, 400);
  assert.deepEqual(messageIds((await res.json()) as Flow), [4000010]);
  assert.equal((await client.request('/sessions/whoami')).status, 401);
});

test('registration over HTTP: continue_with show_verification_ui; with the show_verification_ui hook a form post lands on the verification UI', async () => {
  const plain = await lifecycleSetup();
  const client = plain.browser();
  const init = (await (
    await client.request('/self-service/registration/browser', {
      headers: { accept: 'application/json' },
    })
  ).json()) as Flow;
  const res = await client.request(init.ui.action, {
    method: 'POST',
    json: {
      csrf_token: csrfOf(init),
      method: 'password',
      traits: { email: 'lea@example.org' },
      password: 'correct horse battery staple',
    },
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    continue_with: Array<{ action: string; flow?: { id: string } }>;
  };
  assert.deepEqual(
    body.continue_with.map((c) => c.action),
    ['redirect_browser_to', 'show_verification_ui'],
  );
  const verification = (await (
    await client.request(`/self-service/verification/flows?id=${body.continue_with[1]!.flow!.id}`)
  ).json()) as Flow;
  assert.equal(verification.state, 'sent_email');
  assert.match((await plain.lastCode('lea@example.org')) ?? '', /^\d{6}$/);

  const hooked = await lifecycleSetup({
    selfservice: {
      flows: {
        registration: {
          after: { password: { hooks: [{ hook: 'session' }, { hook: 'show_verification_ui' }] } },
        },
      },
    },
  });
  const browser = hooked.browser();
  const form = await browser.request('/self-service/registration/browser');
  const flow = await flowFromUIRedirect(browser, form, 'registration');
  const posted = await browser.request(flow.ui.action, {
    method: 'POST',
    form: {
      csrf_token: csrfOf(flow),
      method: 'password',
      'traits.email': 'max@example.org',
      password: 'correct horse battery staple',
    },
  });
  const moved = await flowFromUIRedirect(browser, posted, 'verification');
  assert.equal(
    new URL(posted.headers.get('location')!).pathname,
    new URL(hooked.context.config.selfservice.flows.verification.ui_url).pathname,
  );
  assert.equal(moved.state, 'sent_email');
  assert.equal((await browser.request('/sessions/whoami')).status, 200, 'signed in (session hook)');
  const done = await browser.request(moved.ui.action, {
    method: 'POST',
    form: {
      csrf_token: csrfOf(moved),
      method: 'code',
      code: (await hooked.lastCode('max@example.org'))!,
    },
  });
  const verified = await flowFromUIRedirect(browser, done, 'verification');
  assert.equal(verified.state, 'passed_challenge');
});

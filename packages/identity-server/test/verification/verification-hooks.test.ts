// Verification started by other flows (Kratos's verification hook after registration and settings)
// and the login hook require_verified_address, with and without the legacy form error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  requireVerifiedAddress,
  startVerification,
} from '../../src/selfservice/verification/hooks.ts';
import {
  addressOf,
  assertSchema,
  csrfOf,
  flowFromUIRedirect,
  lifecycleSetup,
  messageIds,
  loginBrowser,
  registerIdentity,
  type Flow,
} from '../recovery/support.ts';

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

test('registration over HTTP: a code is mailed and the address is `sent`; continue_with lists the verification flow only with the show_verification_ui hook', async () => {
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
    identity: { verifiable_addresses: Array<{ status: string }> };
  };
  // As a real Kratos on the shipped kratos.yml (shared/ory/kratos/transcripts/registration-spa.json).
  assert.deepEqual(
    body.continue_with.map((c) => c.action),
    ['redirect_browser_to'],
  );
  assert.equal(body.identity.verifiable_addresses[0]!.status, 'sent');
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

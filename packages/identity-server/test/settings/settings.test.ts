// Settings: profile and password, the privileged-session window, revoke_active_sessions, and the
// access rules (session required, own identity only, expiry).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertSchema,
  csrfOf,
  flowFromUIRedirect,
  lifecycleSetup,
  loginBrowser,
  messageIds,
  node,
  registerIdentity,
  type Flow,
  type Lifecycle,
} from '../recovery/support.ts';
import type { TestClient } from '../support/http-client.ts';

const PASSWORD = 'correct horse battery staple';

async function signedIn(life: Lifecycle, email: string) {
  await registerIdentity(life, email, PASSWORD, { name: { first: 'Ada' } });
  const client = life.browser();
  const login = await loginBrowser(client, email, PASSWORD);
  assert.equal(login.status, 200, await login.clone().text());
  return client;
}

async function settingsFlow(client: TestClient): Promise<Flow> {
  const res = await client.request('/self-service/settings/browser', {
    headers: { accept: 'application/json' },
  });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as Flow;
}

test('settings need a session: JSON 401 session_inactive, browsers go to login and come back', async () => {
  const life = await lifecycleSetup();
  const client = life.browser();
  const json = await client.request('/self-service/settings/api');
  assert.equal(json.status, 401);
  const body = (await json.json()) as { error: { id: string } };
  assert.equal(body.error.id, 'session_inactive');
  assertSchema('errorGeneric', body);
  const browser = await client.request('/self-service/settings/browser');
  assert.equal(browser.status, 303);
  const to = new URL(browser.headers.get('location')!);
  assert.equal(to.pathname, '/self-service/login/browser');
  // As Kratos: the plain login initialisation (shared/ory/kratos/transcripts/settings.json#14).
  assert.equal(to.searchParams.has('return_to'), false);
});

test('profile: changing the name needs no privileged session; the flow shows success 1050001', async () => {
  const life = await lifecycleSetup();
  const client = await signedIn(life, 'ada@example.org');
  const flow = await settingsFlow(client);
  assert.equal(flow.state, 'show_form');
  assertSchema('settingsFlow', flow);
  assert.equal(node(flow, 'traits.email')?.attributes.value, 'ada@example.org');
  assert.equal(node(flow, 'password')?.attributes.autocomplete, 'new-password');
  life.context.clock.advance(30 * 60_000); // outside the 15m privileged window, inside the 1h flow
  const res = await client.request(flow.ui.action, {
    method: 'POST',
    form: {
      csrf_token: csrfOf(flow),
      method: 'profile',
      'traits.email': 'ada@example.org',
      'traits.name.first': 'Augusta',
    },
  });
  const after = await flowFromUIRedirect(client, res, 'settings');
  assert.equal(after.state, 'success', JSON.stringify(after.ui));
  assert.deepEqual(messageIds(after), [1050001]);
  assert.deepEqual(after.identity?.traits.name, { first: 'Augusta' });
  assertSchema('settingsFlow', after);
});

test('profile: invalid traits are a 400 on the node, submitted values kept', async () => {
  const life = await lifecycleSetup();
  const client = await signedIn(life, 'bo@example.org');
  const flow = await settingsFlow(client);
  const res = await client.request(flow.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(flow), method: 'profile', traits: { email: 'not-an-email' } },
  });
  assert.equal(res.status, 400);
  const bad = (await res.json()) as Flow;
  assert.equal(node(bad, 'traits.email')?.attributes.value, 'not-an-email');
  assert.ok((node(bad, 'traits.email')?.messages.length ?? 0) > 0);
  assertSchema('settingsFlow', bad);
});

test('changing the email outside the privileged window → 403 session_refresh_required with a refresh login', async () => {
  const life = await lifecycleSetup();
  const client = await signedIn(life, 'cy@example.org');
  const flow = await settingsFlow(client);
  life.context.clock.advance(16 * 60_000);
  const res = await client.request(flow.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(flow), method: 'profile', traits: { email: 'cy2@example.org' } },
  });
  assert.equal(res.status, 403);
  const body = (await res.json()) as { error: { id: string }; redirect_browser_to: string };
  assert.equal(body.error.id, 'session_refresh_required');
  assertSchema('errorGeneric', body);
  const to = new URL(body.redirect_browser_to);
  assert.equal(to.origin + to.pathname, `${life.base}/self-service/login/browser`);
  assert.equal(to.searchParams.get('refresh'), 'true');
  // As Kratos: back to the submit URL, where the refused change is applied after the refresh.
  assert.equal(
    to.searchParams.get('return_to'),
    `${life.base}/self-service/settings?flow=${flow.id}`,
  );
  const form = await client.request(flow.ui.action, {
    method: 'POST',
    form: { csrf_token: csrfOf(flow), method: 'password', password: 'a brand new passphrase' },
  });
  assert.equal(form.status, 303);
  assert.equal(form.headers.get('location'), body.redirect_browser_to);
});

test('changing the email inside the window resets its verification, mails a code, and moves the login identifier', async () => {
  const life = await lifecycleSetup();
  const client = await signedIn(life, 'dee@example.org');
  const flow = await settingsFlow(client);
  const res = await client.request(flow.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(flow), method: 'profile', traits: { email: 'Dee.New@example.org' } },
  });
  assert.equal(res.status, 200, await res.clone().text());
  const after = (await res.json()) as Flow;
  const address = after.identity!.verifiable_addresses[0]!;
  assert.equal(address.value, 'dee.new@example.org');
  assert.equal(address.verified, false);
  // The code is mailed and the address shows `sent`; without the show_verification_ui hook the
  // flow is not listed in continue_with (as a real Kratos: shared/ory/kratos/transcripts/settings.json).
  assert.equal(address.status, 'sent');
  assert.equal(
    after.continue_with?.find((c) => c.action === 'show_verification_ui'),
    undefined,
  );
  assert.match((await life.lastCode('dee.new@example.org')) ?? '', /^\d{6}$/);
  const old = await loginBrowser(life.browser(), 'dee@example.org', PASSWORD);
  assert.equal(old.status, 400);
  const fresh = await loginBrowser(life.browser(), 'dee.new@example.org', PASSWORD);
  assert.equal(fresh.status, 200);
});

test('password: the policy is checked; a new password works and the old one does not', async () => {
  const life = await lifecycleSetup();
  const client = await signedIn(life, 'eve@example.org');
  const flow = await settingsFlow(client);
  const weak = await client.request(flow.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(flow), method: 'password', password: 'short' },
  });
  assert.equal(weak.status, 400);
  assert.deepEqual(
    node((await weak.json()) as Flow, 'password')?.messages.map((m) => m.id),
    [4000032],
  );
  const ok = await client.request(flow.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(flow), method: 'password', password: 'an entirely new passphrase' },
  });
  assert.equal(ok.status, 200);
  assert.deepEqual(messageIds((await ok.json()) as Flow), [1050001]);
  assert.equal((await loginBrowser(life.browser(), 'eve@example.org', PASSWORD)).status, 400);
  assert.equal(
    (await loginBrowser(life.browser(), 'eve@example.org', 'an entirely new passphrase')).status,
    200,
  );
});

test('revoke_active_sessions: other sessions are refused after a password change, the current one stays', async () => {
  for (const revoke of [true, false]) {
    const hooks = revoke ? [{ hook: 'revoke_active_sessions' }] : [];
    const life = await lifecycleSetup({
      selfservice: { flows: { settings: { after: { password: { hooks } } } } },
    });
    const client = await signedIn(life, 'fay@example.org');
    const other = life.browser();
    assert.equal((await loginBrowser(other, 'fay@example.org', PASSWORD)).status, 200);
    const flow = await settingsFlow(client);
    const res = await client.request(flow.ui.action, {
      method: 'POST',
      json: {
        csrf_token: csrfOf(flow),
        method: 'password',
        password: 'a different long passphrase',
      },
    });
    assert.equal(res.status, 200);
    assert.equal((await client.request('/sessions/whoami')).status, 200);
    assert.equal(
      (await other.request('/sessions/whoami')).status,
      revoke ? 401 : 200,
      `revoke=${revoke}`,
    );
  }
});

test('a settings flow belongs to its identity, and expires with 410', async () => {
  const life = await lifecycleSetup();
  const client = await signedIn(life, 'gus@example.org');
  const intruder = await signedIn(life, 'hal@example.org');
  const flow = await settingsFlow(client);
  const peek = await intruder.request(`/self-service/settings/flows?id=${flow.id}`);
  assert.equal(peek.status, 403); // as Kratos (settings.json#11)
  assert.equal(
    ((await peek.json()) as { error: { id: string } }).error.id,
    'security_identity_mismatch',
  );
  const anonymous = await life.browser().request(`/self-service/settings/flows?id=${flow.id}`);
  assert.equal(anonymous.status, 401);
  life.context.clock.advance(2 * 60 * 60_000);
  const expired = await client.request(`/self-service/settings/flows?id=${flow.id}`);
  assert.equal(expired.status, 410);
  const submit = await client.request(flow.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(flow), method: 'profile', traits: { email: 'gus@example.org' } },
  });
  assert.equal(submit.status, 410);
  const body = (await submit.json()) as { use_flow_id: string };
  const next = (await (
    await client.request(`/self-service/settings/flows?id=${body.use_flow_id}`)
  ).json()) as Flow;
  assert.deepEqual(messageIds(next), [4050001]);
  const csrfless = await client.request(next.ui.action, {
    method: 'POST',
    json: { method: 'profile', traits: {} },
  });
  assert.equal(csrfless.status, 403);
});

test('a browser change refused for an old session is applied once the refresh login returns to it', async () => {
  const life = await lifecycleSetup();
  const client = await signedIn(life, 'ivy@example.org');
  const flow = await settingsFlow(client);
  life.context.clock.advance(16 * 60_000);
  const NEW = 'a passphrase set across a refresh';
  const refused = await client.request(flow.ui.action, {
    method: 'POST',
    form: { csrf_token: csrfOf(flow), method: 'password', password: NEW },
  });
  assert.equal(refused.status, 303);
  const login = new URL(refused.headers.get('location')!);
  assert.equal(login.searchParams.get('refresh'), 'true');
  const back = login.searchParams.get('return_to')!;
  // Another signed-in browser cannot pick the remembered change up.
  const intruder = await signedIn(life, 'jon@example.org');
  const stolen = await intruder.request(back);
  assert.equal(stolen.status, 303);
  assert.match(stolen.headers.get('location')!, /\/error\?id=/, 'security_identity_mismatch');

  // The refresh login, as a browser does it: init with the return_to, then the form post.
  const init = await client.request(login.pathname + login.search, {
    headers: { accept: 'application/json' },
  });
  const loginFlow = (await init.json()) as Flow;
  assert.equal((loginFlow as unknown as { refresh: boolean }).refresh, true);
  const done = await client.request(loginFlow.ui.action, {
    method: 'POST',
    form: {
      csrf_token: csrfOf(loginFlow),
      method: 'password',
      identifier: 'ivy@example.org',
      password: PASSWORD,
    },
  });
  assert.equal(done.status, 303);
  assert.equal(done.headers.get('location'), back);

  const resumed = await client.request(back);
  const saved = await flowFromUIRedirect(client, resumed, 'settings');
  assert.equal(saved.id, flow.id);
  assert.equal(saved.state, 'success');
  assert.deepEqual(messageIds(saved), [1050001]);
  assert.equal((await loginBrowser(life.browser(), 'ivy@example.org', NEW)).status, 200);
  assert.equal((await loginBrowser(life.browser(), 'ivy@example.org', PASSWORD)).status, 400);

  // Taken once: coming back again only shows the flow.
  const again = await client.request(back);
  assert.equal(again.status, 303);
  assert.equal(new URL(again.headers.get('location')!).pathname, '/settings');
});

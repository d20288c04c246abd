// Exact assertions for each behaviour issue 14 brought in line with a real Kratos. The recorded
// answers they follow are in shared/ory/kratos/transcripts/ (named per test); the embedded server
// runs as the transcripts' Kratos ran (the shipped kratos.yml, see replay.ts).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { IdentityServer } from '../../src/server.ts';
import { ADMIN_ORIGIN, PUBLIC_ORIGIN, startAsRecorded } from './replay.ts';

let server: IdentityServer;
before(async () => {
  server = await startAsRecorded();
});
after(() => server.close());

type Node = { group: string; attributes: Record<string, unknown>; messages: Array<{ id: number }> };
type Body = Record<string, unknown> & {
  ui: { nodes: Node[]; messages?: Array<{ id: number }> };
  error: { id?: string; reason?: string; message: string; details?: Record<string, string> };
};

async function call(
  method: string,
  path: string,
  init: { json?: unknown; headers?: Record<string, string>; cookie?: string } = {},
) {
  const origin = path.startsWith('/admin/') ? ADMIN_ORIGIN : PUBLIC_ORIGIN;
  const headers = new Headers({ accept: 'application/json', ...init.headers });
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  if (init.cookie) headers.set('cookie', init.cookie);
  const request = new Request(`${origin}${path}`, {
    method,
    headers,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
  });
  const handler = origin === ADMIN_ORIGIN ? server.adminHandler : server.publicHandler;
  const response = await handler(request);
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    headers: response.headers,
    cookies: response.headers.getSetCookie(),
    text,
    body: (type.includes('json') && text ? JSON.parse(text) : {}) as Body,
  };
}

const names = (body: Body) => body.ui.nodes.map((n) => `${n.group}:${String(n.attributes.name)}`);
const node = (body: Body, name: string) => body.ui.nodes.find((n) => n.attributes.name === name);
const cookiePair = (cookies: string[]) => cookies.map((c) => c.split(';')[0]).join('; ');
let counter = 0;
const email = () => `fid-${Date.now().toString(36)}-${++counter}@example.org`;

test('flows carry the keys Kratos gives each kind (login-api, registration-api, recovery-code)', async () => {
  const login = (await call('GET', '/self-service/login/api')).body;
  assert.ok('created_at' in login && 'updated_at' in login && 'organization_id' in login);
  const registration = (await call('GET', '/self-service/registration/api')).body;
  assert.ok('organization_id' in registration);
  assert.ok(!('created_at' in registration) && !('updated_at' in registration));
  for (const kind of ['recovery', 'verification']) {
    const flow = (await call('GET', `/self-service/${kind}/api`)).body;
    for (const key of ['created_at', 'updated_at', 'organization_id']) {
      assert.ok(!(key in flow), `${kind} flow has no ${key}`);
    }
  }
});

test('API flows carry an empty csrf_token node; API verification flows none (verification-code)', async () => {
  for (const kind of ['login', 'registration', 'recovery']) {
    const flow = (await call('GET', `/self-service/${kind}/api`)).body;
    assert.equal(node(flow, 'csrf_token')?.attributes.value, '', kind);
  }
  const verification = (await call('GET', '/self-service/verification/api')).body;
  assert.equal(node(verification, 'csrf_token'), undefined);
});

test("a GET redirect carries net/http's little page; a public GET without the CSRF cookie gets one (login-browser)", async () => {
  const res = await call('GET', '/self-service/login/browser', {
    headers: { accept: 'text/html' },
  });
  assert.equal(res.status, 303);
  const location = res.headers.get('location')!;
  assert.equal(res.text, `<a href="${location.replace(/&/g, '&amp;')}">See Other</a>.\n\n`);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');

  const notFound = await call('GET', '/self-service/login/flows?id=not-a-uuid');
  assert.equal(notFound.status, 404);
  assert.ok(notFound.cookies.some((c) => /^csrf_token_[0-9a-f]{64}=.*Max-Age=31536000/.test(c)));
  // nosurf's ignore list: API endpoints and whoami set no cookie.
  assert.deepEqual((await call('GET', '/self-service/login/api')).cookies, []);
  assert.deepEqual((await call('GET', '/sessions/whoami')).cookies, []);
});

test("a missing flow is sqlcon's 404 without a reason (registration-spa, login-api)", async () => {
  const res = await call(
    'GET',
    '/self-service/registration/flows?id=a1b2c3d4-0000-4000-8000-000000000001',
  );
  assert.equal(res.status, 404);
  assert.equal(res.body.error.message, 'Unable to locate the resource');
  assert.equal(res.body.error.reason, undefined);
});

test("CSRF rejections carry Kratos's details: no cookie, and a JSON submit with the cookie is a mismatch (login-spa)", async () => {
  const init = await call('GET', '/self-service/login/browser');
  const id = init.body.id as string;
  const noCookie = await call('GET', `/self-service/login/flows?id=${id}`);
  assert.equal(noCookie.status, 403);
  assert.deepEqual(Object.keys(noCookie.body.error.details!).sort(), [
    'docs',
    'hint',
    'reject_reason',
  ]);
  assert.equal(
    noCookie.body.error.details!.reject_reason,
    'The HTTP Cookie Header is empty or not set.',
  );
  const submit = await call('POST', `/self-service/login?flow=${id}`, {
    cookie: cookiePair(init.cookies),
    json: { method: 'password', identifier: 'x@example.org', password: 'whatever-123' },
  });
  assert.equal(submit.status, 403);
  assert.match(submit.body.error.details!.reject_reason!, /do not match/);
});

test('admin identity create: Location {admin}/identities/{id}, no metadata_admin when none (login-api)', async () => {
  const res = await call('POST', '/admin/identities', {
    json: { schema_id: 'default', traits: { email: email() } },
  });
  assert.equal(res.status, 201);
  assert.equal(res.headers.get('location'), `${ADMIN_ORIGIN}/identities/${String(res.body.id)}`);
  assert.equal('metadata_admin' in res.body, false);
  assert.equal(res.body.metadata_public, null);
});

test('profile_first registration: profile screen, credential screen (1040009), back, then sign-up (registration-browser-profile-first, registration-api)', async () => {
  const flow = (await call('GET', '/self-service/registration/api')).body;
  assert.deepEqual(names(flow), [
    'default:csrf_token',
    'default:traits.email',
    'default:traits.name.first',
    'default:traits.name.last',
    'profile:method',
  ]);
  const address = email();
  const action = `/self-service/registration?flow=${String(flow.id)}`;
  const credentials = await call('POST', action, {
    json: { method: 'profile', traits: { email: address } },
  });
  assert.equal(credentials.status, 400);
  assert.deepEqual(
    credentials.body.ui.messages?.map((m) => m.id),
    [1040009],
  );
  assert.deepEqual(credentials.body.transient_payload, {});
  assert.equal(node(credentials.body, 'traits.email')?.attributes.type, 'hidden');
  assert.equal(node(credentials.body, 'password')?.group, 'password');
  assert.equal(node(credentials.body, 'screen')?.attributes.value, 'previous');
  const back = await call('POST', action, {
    json: { method: 'profile', screen: 'previous', traits: { email: address } },
  });
  assert.equal(node(back.body, 'traits.email')?.attributes.type, 'email');
  assert.equal(node(back.body, 'password'), undefined);
  // A field the screen lacks gets a default text node for its message (the password here).
  const short = await call('POST', action, {
    json: { method: 'password', traits: { email: address }, password: 'abc' },
  });
  assert.equal(node(short.body, 'password')?.group, 'default');
  assert.deepEqual(
    node(short.body, 'password')?.messages.map((m) => m.id),
    [4000032],
  );
  const done = await call('POST', action, {
    json: {
      method: 'password',
      traits: { email: address },
      password: 'Kd!81f563c848Pw#fa454ebef9',
    },
  });
  assert.equal(done.status, 200);
  // The address was mailed a code (sent); no show_verification_ui without the hook.
  const identity = done.body.identity as { verifiable_addresses: Array<{ status: string }> };
  assert.equal(identity.verifiable_addresses[0]!.status, 'sent');
  assert.deepEqual(
    (done.body.continue_with as Array<{ action: string }>).map((c) => c.action),
    ['set_ory_session_token'],
  );

  const login = (await call('GET', '/self-service/login/api')).body;
  const signedIn = await call('POST', `/self-service/login?flow=${String(login.id)}`, {
    json: { method: 'password', identifier: address, password: 'Kd!81f563c848Pw#fa454ebef9' },
  });
  assert.equal(signedIn.status, 200);
  assert.equal(signedIn.body.continue_with, null, 'API login: continue_with null (login-api)');

  // whoami (whoami.json): any method; unknown tokenize_as is 400.
  const token = signedIn.body.session_token as string;
  const post = await call('POST', '/sessions/whoami', { headers: { 'x-session-token': token } });
  assert.equal(post.status, 200);
  const tokenized = await call('GET', '/sessions/whoami?tokenize_as=nope', {
    headers: { 'x-session-token': token },
  });
  assert.equal(tokenized.status, 400);
  assert.equal(tokenized.body.error.reason, 'Unable to find tokenizer template "nope".');
});

test('whoami without a session: 401 with no error id (whoami)', async () => {
  const res = await call('GET', '/sessions/whoami');
  assert.equal(res.status, 401);
  assert.equal(res.body.error.id, undefined);
  assert.equal(res.body.error.reason, 'No valid session credentials found in the request.');
});

test('recovery: a malformed email is 4000040; verification: a non-email is a phone (1080004), no method is 4010006 (recovery-code, verification-code)', async () => {
  const recovery = (await call('GET', '/self-service/recovery/api')).body;
  const bad = await call('POST', `/self-service/recovery?flow=${String(recovery.id)}`, {
    json: { method: 'code', email: 'not-an-email' },
  });
  assert.equal(bad.status, 400);
  assert.deepEqual(
    node(bad.body, 'email')?.messages.map((m) => m.id),
    [4000040],
  );

  const verification = (await call('GET', '/self-service/verification/api')).body;
  const action = `/self-service/verification?flow=${String(verification.id)}`;
  const phone = await call('POST', action, { json: { method: 'code', email: 'nope' } });
  assert.equal(phone.status, 200);
  assert.equal(phone.body.state, 'sent_email');
  assert.deepEqual(
    phone.body.ui.messages?.map((m) => m.id),
    [1080004],
  );
  const noMethod = await call('POST', action, { json: { email: 'x@example.org' } });
  assert.equal(noMethod.status, 400);
  assert.deepEqual(
    noMethod.body.ui.messages?.map((m) => m.id),
    [1080004, 4010006],
  );
  assert.equal(node(noMethod.body, 'csrf_token')?.attributes.value, '');
});

test('unified registration style: the one-step form', async () => {
  const { createIdentityServer } = await import('../../src/server.ts');
  const { loadConfig, SHIPPED_CONFIG_PATH } = await import('../../src/config/index.ts');
  const { config } = await loadConfig(SHIPPED_CONFIG_PATH, {
    env: { SELFSERVICE_FLOWS_REGISTRATION_STYLE: 'unified', HASHERS_BCRYPT_COST: '4' },
  });
  const unified = await createIdentityServer({ config, log: () => {} });
  try {
    const res = await unified.publicHandler(
      new Request('http://localhost:4433/self-service/registration/api'),
    );
    const flow = (await res.json()) as Body;
    assert.ok(names(flow).includes('password:password'));
    assert.equal(node(flow, 'method')?.attributes.value, 'password');
  } finally {
    await unified.close();
  }
});

test('a finished API login flow takes the password again: 200, a new session, the flow `active` (login-api #7-8)', async () => {
  const address = email();
  const password = 'Fid!delity-resubmit-42';
  const created = await call('POST', '/admin/identities', {
    json: {
      schema_id: 'default',
      traits: { email: address },
      credentials: { password: { config: { password } } },
    },
  });
  assert.equal(created.status, 201);
  const flow = (await call('GET', '/self-service/login/api')).body;
  const submit = () =>
    call('POST', `/self-service/login?flow=${String(flow.id)}`, {
      json: { method: 'password', identifier: address, password },
    });
  const first = await submit();
  const again = await submit();
  assert.equal(first.status, 200);
  assert.equal(again.status, 200);
  assert.notEqual(again.body.session_token, first.body.session_token);
  assert.equal(again.body.continue_with, null);
  const finished = (await call('GET', `/self-service/login/flows?id=${String(flow.id)}`)).body;
  assert.equal(finished.active, 'password');
  assert.equal(finished.state, 'choose_method');
  assert.deepEqual(finished.ui.messages ?? [], []);
  assert.equal(node(finished, 'identifier')?.attributes.value, '');
});

test('a finished API registration flow registers a second identity (registration-api #3)', async () => {
  const flow = (await call('GET', '/self-service/registration/api')).body;
  const submit = (address: string) =>
    call('POST', `/self-service/registration?flow=${String(flow.id)}`, {
      json: { method: 'password', traits: { email: address }, password: 'Fid!delity-second-42' },
    });
  const first = await submit(email());
  const again = await submit(email());
  assert.equal(first.status, 200);
  assert.equal(again.status, 200);
  const ids = [first, again].map((r) => (r.body.identity as { id: string }).id);
  assert.notEqual(ids[0], ids[1]);
});

test('logout without a session: a used logout URL and the browser logout go to the error UI, nothing cleared (logout #8-9)', async () => {
  const html = { accept: 'text/html' };
  const used = await call('GET', '/self-service/logout?token=ory_lo_used', { headers: html });
  assert.equal(used.status, 303);
  assert.match(used.headers.get('location')!, /^http:\/\/localhost:4000\/error\?id=/);
  assert.equal(
    used.cookies.some((c) => c.startsWith('ory_kratos_session=')),
    false,
  );
  const browser = await call('GET', '/self-service/logout/browser', { headers: html });
  assert.equal(browser.status, 303);
  assert.match(browser.headers.get('location')!, /^http:\/\/localhost:4000\/error\?id=/);
  const json = await call('GET', '/self-service/logout/browser');
  assert.equal(json.status, 401);
  assert.equal(json.body.error.id, 'session_inactive');
});

test('a refresh login of the same identity keeps the CSRF cookie; a first login regenerates it (login-browser #13, login-spa #10)', async () => {
  const address = email();
  const password = 'Fid!delity-refresh-42';
  await call('POST', '/admin/identities', {
    json: {
      schema_id: 'default',
      traits: { email: address },
      credentials: { password: { config: { password } } },
    },
  });
  const isCSRF = (c: string) => c.startsWith('csrf_token_');
  const login = async (query: string, jar: string[]) => {
    const flow = await call('GET', `/self-service/login/browser${query}`, {
      cookie: cookiePair(jar),
    });
    const cookies = [
      ...jar.filter((c) => !flow.cookies.some((n) => n.split('=')[0] === c.split('=')[0])),
      ...flow.cookies,
    ];
    const submit = await call('POST', `/self-service/login?flow=${String(flow.body.id)}`, {
      cookie: cookiePair(cookies),
      json: {
        method: 'password',
        identifier: address,
        password,
        csrf_token: node(flow.body, 'csrf_token')?.attributes.value,
      },
    });
    assert.equal(submit.status, 200);
    const names = submit.cookies.map((c) => c.split('=')[0]);
    return {
      submit,
      jar: [...cookies.filter((c) => !names.includes(c.split('=')[0])), ...submit.cookies],
    };
  };
  const first = await login('', []);
  assert.equal(first.submit.cookies.filter(isCSRF).length, 1);
  const refresh = await login('?refresh=true', first.jar);
  assert.equal(refresh.submit.cookies.filter(isCSRF).length, 0);
  assert.equal(refresh.submit.cookies.filter((c) => c.startsWith('ory_kratos_session=')).length, 1);
});

test("settings: another identity's flow fetch is 403; settings/browser without a session goes to the plain login (settings #11, #14)", async () => {
  const tokenOf = async (address: string) => {
    const password = 'Fid!delity-settings-42';
    await call('POST', '/admin/identities', {
      json: {
        schema_id: 'default',
        traits: { email: address },
        credentials: { password: { config: { password } } },
      },
    });
    const flow = (await call('GET', '/self-service/login/api')).body;
    const done = await call('POST', `/self-service/login?flow=${String(flow.id)}`, {
      json: { method: 'password', identifier: address, password },
    });
    return String(done.body.session_token);
  };
  const owner = await tokenOf(email());
  const other = await tokenOf(email());
  const flow = (
    await call('GET', '/self-service/settings/api', { headers: { 'x-session-token': owner } })
  ).body;
  const peek = await call('GET', `/self-service/settings/flows?id=${String(flow.id)}`, {
    headers: { 'x-session-token': other },
  });
  assert.equal(peek.status, 403);
  assert.equal(peek.body.error.id, 'security_identity_mismatch');
  assert.equal(
    peek.body.error.reason,
    'The request was made for another identity and has been blocked for security reasons.',
  );
  const browser = await call('GET', '/self-service/settings/browser', {
    headers: { accept: 'text/html' },
  });
  assert.equal(browser.status, 303);
  assert.equal(browser.headers.get('location'), `${PUBLIC_ORIGIN}/self-service/login/browser`);
});

test('settings after a save: problems keep `success` (profile keeps 1050001), an unknown method is the flow with 4010004; a browser save re-issues the session cookie (settings #5-6, #20-21, #24)', async () => {
  const address = email();
  const password = 'Fid!delity-settings-save-42';
  await call('POST', '/admin/identities', {
    json: {
      schema_id: 'default',
      traits: { email: address },
      credentials: { password: { config: { password } } },
    },
  });
  // One browser: the CSRF cookie from the flow's creation, then the cookies the login sets.
  const init = await call('GET', '/self-service/login/browser');
  let jar = init.cookies;
  const login = await call('POST', `/self-service/login?flow=${String(init.body.id)}`, {
    cookie: cookiePair(jar),
    json: {
      method: 'password',
      identifier: address,
      password,
      csrf_token: node(init.body, 'csrf_token')?.attributes.value,
    },
  });
  assert.equal(login.status, 200);
  jar = login.cookies;
  const flow = (await call('GET', '/self-service/settings/browser', { cookie: cookiePair(jar) }))
    .body;
  const csrf_token = node(flow, 'csrf_token')?.attributes.value;
  const submit = (json: Record<string, unknown>) =>
    call('POST', `/self-service/settings?flow=${String(flow.id)}`, {
      cookie: cookiePair(jar),
      json: { csrf_token, ...json },
    });

  const saved = await submit({ method: 'profile', traits: { email: address } });
  assert.equal(saved.status, 200);
  assert.equal(saved.body.state, 'success');
  assert.deepEqual(
    saved.cookies.map((c) => c.split('=')[0]),
    ['ory_kratos_session'],
    'the session cookie again, the CSRF cookie kept',
  );
  assert.deepEqual(saved.body.continue_with, [
    {
      action: 'redirect_browser_to',
      redirect_browser_to: `http://localhost:4000/settings?flow=${String(flow.id)}`,
    },
  ]);

  const badEmail = await submit({ method: 'profile', traits: { email: 'nope' } });
  assert.equal(badEmail.status, 400);
  assert.equal(badEmail.body.state, 'success');
  assert.deepEqual(
    badEmail.body.ui.messages?.map((m) => m.id),
    [1050001],
  );
  assert.deepEqual(
    node(badEmail.body, 'traits.email')?.messages.map((m) => m.id),
    [4000040],
  );

  const short = await submit({ method: 'password', password: 'abc' });
  assert.equal(short.status, 400);
  assert.equal(short.body.state, 'success');
  assert.equal(short.body.ui.messages, undefined);

  const pigeon = await submit({ method: 'carrier-pigeon' });
  assert.equal(pigeon.status, 400);
  assert.equal(pigeon.body.state, 'success');
  assert.deepEqual(
    pigeon.body.ui.messages?.map((m) => m.id),
    [4010004],
  );
  assert.equal('continue_with' in pigeon.body, false);
});

test('recovery: a submit naming the disabled `link` method is 404 "endpoint was disabled" (recovery-code #16)', async () => {
  const flow = (await call('GET', '/self-service/recovery/api')).body;
  const res = await call('POST', `/self-service/recovery?flow=${String(flow.id)}`, {
    json: { method: 'link', email: email() },
  });
  assert.equal(res.status, 404);
  assert.equal(res.body.error.id, undefined);
  assert.equal(
    res.body.error.reason,
    'This endpoint was disabled by system administrator. Please check your url or contact the system administrator to enable it.',
  );
});

test('admin recovery link with the `link` method disabled: 404 "endpoint was disabled", before the body is read', async () => {
  const created = await call('POST', '/admin/identities', {
    json: { schema_id: 'default', traits: { email: email() } },
  });
  assert.equal(created.status, 201);
  for (const body of [{ identity_id: String(created.body.id) }, { identity_id: 'not-a-uuid' }]) {
    const res = await call('POST', '/admin/recovery/link', { json: body });
    assert.equal(res.status, 404);
    assert.equal(
      res.body.error.reason,
      'This endpoint was disabled by system administrator. Please check your url or contact the system administrator to enable it.',
    );
  }
});

test('an over-long email gets the format message, then the length one (registration-api #14)', async () => {
  const flow = (await call('GET', '/self-service/registration/api')).body;
  const res = await call('POST', `/self-service/registration?flow=${String(flow.id)}`, {
    json: {
      method: 'password',
      traits: { email: `${'a'.repeat(330)}@example.org` },
      password: 'Fid!delity-long-42',
    },
  });
  assert.equal(res.status, 400);
  assert.deepEqual(
    node(res.body, 'traits.email')?.messages.map((m) => m.id),
    [4000040, 4000017],
  );
  // A local part over 64 characters is not an address either (RFC 5321), even under maxLength.
  const local = await call('POST', `/self-service/registration?flow=${String(flow.id)}`, {
    json: {
      method: 'password',
      traits: { email: `${'b'.repeat(65)}@example.org` },
      password: 'Fid!delity-long-42',
    },
  });
  assert.deepEqual(
    node(local.body, 'traits.email')?.messages.map((m) => m.id),
    [4000040],
  );
});

test('settings without a session, as JSON: 401 session_inactive with CredentialsMissing beside the error (settings #15)', async () => {
  const res = await call('GET', '/self-service/settings/browser');
  assert.equal(res.status, 401);
  assert.equal(res.body.error.id, 'session_inactive');
  assert.equal(res.body.error.message, 'request does not have a valid authentication session');
  assert.equal((res.body as Record<string, unknown>).CredentialsMissing, false);
});

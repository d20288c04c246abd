// Login with `aal=aal2` where no second factor exists (shared/ory/kratos/transcripts/login-api.json
// #12, login-browser.json #14): Kratos still creates the flow — `ui.nodes: null` and message
// 1010004 — and a browser goes to the login UI with it. The embedded server has first factors only.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { IdentityServer } from '../../src/server.ts';
import { ADMIN_ORIGIN, PUBLIC_ORIGIN, startAsRecorded } from './replay.ts';

type Flow = Record<string, unknown> & {
  id: string;
  session_token?: string;
  ui: {
    nodes: Array<{ attributes: { name: string; value: string } }> | null;
    messages: Array<{ id: number }>;
  };
  error: { id?: string };
};

let server: IdentityServer;
let token: string;
let sessionCookie: string;
const email = 'aal-step-up@example.org';
const password = 'a long enough password 1';

async function call(method: string, url: string, init: RequestInit = {}) {
  const handler = url.startsWith(ADMIN_ORIGIN) ? server.adminHandler : server.publicHandler;
  const response = await handler(new Request(url, { method, redirect: 'manual', ...init }));
  const text = await response.text();
  const isJSON = (response.headers.get('content-type') ?? '').includes('json');
  return { response, body: (isJSON && text ? JSON.parse(text) : {}) as Flow };
}

before(async () => {
  server = await startAsRecorded();
  await call('POST', `${ADMIN_ORIGIN}/admin/identities`, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      schema_id: 'default',
      traits: { email },
      credentials: { password: { config: { password } } },
    }),
  });
  const flow = (await call('GET', `${PUBLIC_ORIGIN}/self-service/login/api`)).body;
  const login = await call('POST', `${PUBLIC_ORIGIN}/self-service/login?flow=${flow.id}`, {
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ method: 'password', identifier: email, password }),
  });
  token = login.body.session_token!;
  // A browser session for the same identity, through the browser flow.
  const init = await call('GET', `${PUBLIC_ORIGIN}/self-service/login/browser`, {
    headers: { accept: 'application/json' },
  });
  const csrfCookie = init.response.headers.getSetCookie()[0]!.split(';')[0]!;
  const csrf = init.body.ui.nodes!.find((n) => n.attributes.name === 'csrf_token')!.attributes
    .value;
  const submit = await call('POST', `${PUBLIC_ORIGIN}/self-service/login?flow=${init.body.id}`, {
    headers: { 'content-type': 'application/json', accept: 'application/json', cookie: csrfCookie },
    body: JSON.stringify({ method: 'password', identifier: email, password, csrf_token: csrf }),
  });
  sessionCookie = submit.response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .concat(csrfCookie)
    .join('; ');
});
after(() => server.close());

test('API login with aal=aal2 and an aal1 session: the flow, nodes null, message 1010004', async () => {
  const { response, body } = await call('GET', `${PUBLIC_ORIGIN}/self-service/login/api?aal=aal2`, {
    headers: { accept: 'application/json', 'x-session-token': token },
  });
  assert.equal(response.status, 200);
  assert.equal(body.requested_aal, 'aal2');
  assert.equal(body.state, 'choose_method');
  assert.equal(body.ui.nodes, null);
  assert.deepEqual(
    body.ui.messages.map((m) => m.id),
    [1010004],
  );
  // The same flow fetched again is unchanged.
  const fetched = await call('GET', `${PUBLIC_ORIGIN}/self-service/login/flows?id=${body.id}`);
  assert.equal(fetched.body.ui.nodes, null);

  // A password (a first factor) does not serve a flow for the second: no strategy, 4010002.
  const submit = await call('POST', `${PUBLIC_ORIGIN}/self-service/login?flow=${body.id}`, {
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-session-token': token,
    },
    body: JSON.stringify({ method: 'password', identifier: email, password }),
  });
  assert.equal(submit.response.status, 400);
  assert.deepEqual(
    submit.body.ui.messages.map((m) => m.id),
    [4010002],
  );
  assert.equal(submit.body.session_token, undefined, 'no session was issued');
});

test('browser login with aal=aal2 and an aal1 session: 303 to the login UI with the flow', async () => {
  const { response } = await call('GET', `${PUBLIC_ORIGIN}/self-service/login/browser?aal=aal2`, {
    headers: { accept: 'text/html', cookie: sessionCookie },
  });
  assert.equal(response.status, 303);
  const location = new URL(response.headers.get('location')!);
  assert.equal(location.pathname, '/login');
  assert.ok(location.searchParams.get('flow'));
});

test('aal=aal2 without a session is still 401 session_aal1_required; aal1 with one is refused', async () => {
  const none = await call('GET', `${PUBLIC_ORIGIN}/self-service/login/api?aal=aal2`);
  assert.equal(none.response.status, 401);
  assert.equal(none.body.error.id, 'session_aal1_required');
  const again = await call('GET', `${PUBLIC_ORIGIN}/self-service/login/api`, {
    headers: { accept: 'application/json', 'x-session-token': token },
  });
  assert.equal(again.response.status, 400);
  assert.equal(again.body.error.id, 'session_already_available');
});

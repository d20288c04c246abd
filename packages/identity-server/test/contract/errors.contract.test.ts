// Contract: bad input gets Kratos's error envelope and never a stack trace — malformed JSON and
// forms, wrong content types, oversized bodies, invalid UUIDs, odd traits — plus the stored
// self-service errors, health and version endpoints, and the public/admin port split.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  newBrowser,
  newNativeClient,
  fileTarget,
  startTarget,
  validatingFetch,
} from './harness.ts';
import { PASSWORD, errorId, nodeOf, sdkError, uniqueEmail, type WireFlow } from './helpers.ts';

const target = fileTarget(startTarget);
const send: typeof fetch = (input, init) => validatingFetch(target().validator)(input, init);

interface Envelope {
  error: { code: number; status: string; message: string; reason?: string; id?: string };
}

async function envelope(res: Response, status: number): Promise<Envelope> {
  assert.equal(res.status, status);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const text = await res.text();
  assert.doesNotMatch(text, /at \S+ \(|node:internal|\.ts:\d+/, 'no stack traces');
  const body = JSON.parse(text) as Envelope;
  assert.equal(body.error.code, status);
  assert.equal(typeof body.error.message, 'string');
  return body;
}

async function apiFlowAction(kind: 'login' | 'registration'): Promise<string> {
  const native = newNativeClient(target());
  const flow =
    kind === 'login'
      ? await native.createNativeLoginFlow()
      : await native.createNativeRegistrationFlow();
  return flow.ui.action;
}

test('malformed JSON, non-object JSON and unsupported content types: 400 with the API flow and 4000001', async () => {
  const action = await apiFlowAction('login');
  const post = (body: string, type: string) =>
    send(action, {
      method: 'POST',
      headers: { 'content-type': type, accept: 'application/json' },
      body,
    });
  // As a real Kratos (shared/ory/kratos/transcripts/registration-api.json): the decoder error is
  // a message on the flow, not an error envelope.
  for (const [body, type] of [
    ['{"method": "password",', 'application/json'],
    ['["method"]', 'application/json'],
    ['null', 'application/json'],
    ['<login/>', 'application/xml'],
  ] as const) {
    const res = await post(body, type);
    assert.equal(res.status, 400, `${type} ${body}`);
    const flow = (await res.json()) as { id: string; ui: { messages: Array<{ id: number }> } };
    assert.equal(action.endsWith(flow.id), true);
    assert.deepEqual(
      flow.ui.messages.map((m) => m.id),
      [4000001],
    );
  }
});

test('a browser flow is not shown for an undecodable body without its CSRF cookie (the flow carries the token)', async () => {
  const browser = newBrowser(target());
  const flow = await browser.frontend.createBrowserLoginFlow();
  const res = await send(flow.ui.action, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: '{"method":',
  });
  await envelope(res, 400);
});

test('bodies over the limit are refused with 413, declared or streamed', async () => {
  const action = await apiFlowAction('registration');
  const huge = JSON.stringify({ method: 'password', password: 'x'.repeat(2 * 1024 * 1024) });
  await envelope(
    await send(action, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: huge,
    }),
    413,
  );
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < 40; i++)
        controller.enqueue(new TextEncoder().encode('x'.repeat(64 * 1024)));
      controller.close();
    },
  });
  const chunked = await send(action, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  await envelope(chunked, 413);
});

test('odd traits are validation messages on the flow, never a 500', async () => {
  const action = await apiFlowAction('registration');
  const odd: unknown[] = [
    'just a string',
    ['an', 'array'],
    { email: ['a@example.com'] },
    { email: { $gt: '' } },
    { email: 'a'.repeat(5000) + '@example.com' },
    { email: uniqueEmail(), unknown_trait: true },
    { email: uniqueEmail(), name: { first: 42 } },
    { email: '\u0000@example.com' },
  ];
  for (const traits of odd) {
    const res = await send(action, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ method: 'password', traits, password: PASSWORD }),
    });
    assert.equal(res.status, 400, `traits ${JSON.stringify(traits).slice(0, 60)}`);
    const flow = (await res.json()) as WireFlow;
    const problems = [...(flow.ui.messages ?? []), ...flow.ui.nodes.flatMap((n) => n.messages)];
    assert.ok(problems.length > 0, `a message explains ${JSON.stringify(traits).slice(0, 60)}`);
  }
  // Prototype-polluting form keys are dropped, not applied.
  const form = await send(action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: '__proto__.polluted=1&traits.constructor.prototype.x=1&method=password&password=x',
  });
  assert.equal(form.status, 400);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(
    nodeOf((await form.json()) as WireFlow, 'traits.email').messages.map((m) => m.id),
    [4000002],
  );
});

test('invalid UUIDs are 400 on the admin API and 404 for flows; unknown routes 404; wrong methods 405', async () => {
  await envelope(await send(`${target().adminURL}/admin/sessions/not-a-uuid`), 400);
  await envelope(
    await send(`${target().adminURL}/admin/sessions/00000000-0000-4000-8000-000000000000`),
    404,
  );
  await envelope(
    await send(`${target().publicURL}/self-service/registration/flows?id=..%2F..%2Fetc`),
    404,
  );
  // Kratos's routers answer unknown routes and methods as Go's mux does: plain text, no envelope.
  const unknown = await fetch(`${target().publicURL}/nope`);
  assert.equal(unknown.status, 404);
  assert.match(unknown.headers.get('content-type') ?? '', /^text\/plain/);
  assert.equal(await unknown.text(), '404 page not found\n');
  // (whoami answers every method in Kratos, so another route is used here)
  const wrongMethod = await fetch(`${target().publicURL}/self-service/login/browser`, {
    method: 'PUT',
  });
  assert.equal(wrongMethod.status, 405);
  assert.match(wrongMethod.headers.get('content-type') ?? '', /^text\/plain/);
  assert.equal(await wrongMethod.text(), 'Method Not Allowed\n');
});

test('a stored self-service error is readable once by id; unknown ids are 404', async () => {
  const res = await fetch(
    `${target().publicURL}/self-service/login/browser?return_to=https%3A%2F%2Fevil.example%2F`,
    {
      redirect: 'manual',
    },
  );
  assert.equal(res.status, 303);
  const id = new URL(res.headers.get('location')!).searchParams.get('id')!;
  const native = newNativeClient(target());
  const stored = await native.getFlowError({ id });
  assert.equal(stored.id, id);
  assert.equal((stored.error as { id?: string }).id, 'self_service_flow_return_to_forbidden');
  const missing = await sdkError(
    native.getFlowError({ id: '00000000-0000-4000-8000-000000000000' }),
  );
  assert.equal(missing.status, 404);
});

test('health and version on both ports; admin routes are never served on the public port (a 307 to the admin URL, as Kratos)', async () => {
  for (const base of [target().publicURL, target().adminURL]) {
    const alive = await send(`${base}/health/alive`);
    assert.deepEqual(await alive.json(), { status: 'ok' });
    const ready = await send(`${base}/health/ready`);
    assert.deepEqual(await ready.json(), { status: 'ok' });
    const version = (await (await send(`${base}/version`)).json()) as { version: string };
    assert.equal(typeof version.version, 'string');
  }
  // Kratos x.RedirectToAdminRoute / RedirectToPublicRoute: the other port's routes answer 307 to
  // the same path there (shared/ory/kratos/transcripts/whoami.json) — nothing of them is served.
  for (const path of ['/admin/identities', '/admin/sessions', '/admin/courier/messages']) {
    const res = await fetch(`${target().publicURL}${path}`, { redirect: 'manual' });
    assert.equal(res.status, 307, path);
    assert.equal(res.headers.get('location'), `${target().adminURL}${path}`);
    assert.doesNotMatch(await res.text(), /"id"|schema_id/, 'no admin data on the public port');
  }
  assert.equal(
    (await fetch(`${target().publicURL}/ADMIN/sessions`, { redirect: 'manual' })).status,
    404,
  );
  const whoami = await fetch(`${target().adminURL}/sessions/whoami`, { redirect: 'manual' });
  assert.equal(whoami.status, 307);
  assert.equal(whoami.headers.get('location'), `${target().publicURL}/sessions/whoami`);
  const login = await fetch(`${target().adminURL}/self-service/login/browser`, {
    redirect: 'manual',
  });
  assert.equal(login.status, 307);
});

test('whoami: the same 401 (no error id, as Kratos) for expired-looking and oversized tokens alike', async () => {
  const native = newNativeClient(target());
  for (const token of ['', 'x'.repeat(10_000), 'ory_st_' + 'A'.repeat(32), '%00']) {
    const res = await sdkError(native.toSession({ xSessionToken: token || ' ' }));
    assert.equal(res.status, 401);
    assert.equal(errorId(res.body), undefined);
    assert.equal(
      (res.body.error as { reason?: string }).reason,
      'No valid session credentials found in the request.',
    );
  }
});

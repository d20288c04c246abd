// Kratos stopped mid-run: required routes fail closed (503 with a request id, within the whoami
// timeout), optional routes go anonymous with a warning; Kratos back: recovery without restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RULES,
  browser,
  json,
  startGatewayStack,
  withCookie,
  type Stack,
} from '../support/gateway-stack.ts';

let stack: Stack;
/** The abort signal of every whoami request the gateway sent, in order. */
const whoamiSignals: (AbortSignal | null | undefined)[] = [];
before(async () => {
  // A short cache TTL is irrelevant here: each test uses a fresh credential (cache misses).
  stack = await startGatewayStack({
    rules: RULES,
    whoamiTimeoutMs: 1_000,
    // The real transport, watched: the hanging-Kratos test checks the request was given up on.
    fetch: (input, init) => {
      whoamiSignals.push(init?.signal);
      return fetch(input, init);
    },
  });
});
after(() => stack.close());

const get = (path: string, headers: Record<string, string>) =>
  fetch(stack.url + path, { headers, redirect: 'manual' });

test('Kratos stopped → required 503 (JSON and HTML, with request id), optional anonymous + warning', async () => {
  const { token } = stack.kratos.addSession();
  await stack.kratos.stop();
  const api = await get('/account', withCookie(token, json));
  assert.equal(api.status, 503);
  const body = (await api.json()) as { error: { code: string; request_id: string } };
  assert.equal(body.error.code, 'IDENTITY_UNAVAILABLE');
  assert.equal(body.error.request_id, api.headers.get('x-request-id'));
  const page = await get('/admin/x', withCookie(token, browser));
  assert.equal(page.status, 503);
  assert.match(page.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await page.text(), /Request id/);
  const seenBefore = stack.upstream.seen.length;
  const optional = await get('/api/whoami', withCookie(token));
  assert.equal(optional.status, 200);
  assert.equal(
    stack.upstream.seen.length,
    seenBefore + 1,
    'only the optional request reached the app',
  );
  assert.equal(stack.upstream.seen.at(-1)!.headers['x-user-id'], undefined);
  assert.ok(stack.logs.some((l) => l.level === 'warn' && /optional/.test(String(l.msg))));
  await stack.kratos.start();
  assert.equal(
    (await get('/account', withCookie(token, json))).status,
    200,
    'recovered without restart',
  );
});

// No duration is asserted (timing is for benches): a gateway that waited forever would never
// answer, and the per-test timeout below fails the test instead of hanging the run. The timeout is
// far above the 1 s whoami timeout so a loaded machine cannot fail a correct gateway.
test(
  'Kratos hanging → required 503 once whoami is aborted (never waits forever, never fails open)',
  { timeout: 30_000 },
  async () => {
    const { token } = stack.kratos.addSession();
    stack.kratos.mode = 'hang';
    const sentBefore = whoamiSignals.length;
    const seenBefore = stack.upstream.seen.length;
    const res = await get('/account', withCookie(token, json));
    stack.kratos.mode = 'ok';
    assert.equal(res.status, 503);
    const body = (await res.json()) as { error: { code: string; request_id: string } };
    assert.equal(body.error.code, 'IDENTITY_UNAVAILABLE');
    assert.equal(body.error.request_id, res.headers.get('x-request-id'));
    assert.equal(stack.upstream.seen.length, seenBefore, 'the app was never reached');
    const sent = whoamiSignals.slice(sentBefore);
    assert.equal(sent.length, 1, 'one whoami request');
    assert.equal(sent[0]?.aborted, true, 'the hanging whoami request was aborted');
    assert.equal((sent[0]?.reason as Error | undefined)?.name, 'TimeoutError');
    assert.equal((await get('/account', withCookie(token, json))).status, 200);
  },
);

test('Kratos answering 500 → required 503, optional anonymous', async () => {
  const { token } = stack.kratos.addSession();
  stack.kratos.mode = 'error';
  assert.equal((await get('/account', withCookie(token, json))).status, 503);
  assert.equal((await get('/api/whoami', withCookie(token))).status, 200);
  assert.equal(stack.upstream.seen.at(-1)!.headers['x-user-id'], undefined);
  stack.kratos.mode = 'ok';
});

test('a cached session keeps working while Kratos is briefly down (bounded by the TTL)', async () => {
  const { token, session } = stack.kratos.addSession();
  assert.equal((await get('/account', withCookie(token))).status, 200);
  await stack.kratos.stop();
  assert.equal((await get('/account', withCookie(token))).status, 200);
  assert.equal(stack.upstream.seen.at(-1)!.headers['x-user-id'], session.identity.id);
  await stack.kratos.start();
});

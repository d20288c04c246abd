// Identity-aware rate limits at the gateway (issue 15): signed-in callers counted per identity,
// anonymous ones per client address, each rule on its own counters; over the limit, 429 with
// Retry-After and RateLimit-* fields in the one error body, before the upstream sees anything.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGatewayStack, withCookie, type Stack } from '../support/gateway-stack.ts';

let stack: Stack;
before(async () => {
  stack = await startGatewayStack({
    trustProxy: true, // lets each test speak from its own address through X-Forwarded-For
    rules: [
      {
        id: 'notes',
        path: '/api/notes',
        mode: 'optional',
        rate_limit: { per_identity: '3/1m', per_anonymous_address: '2/1m' },
      },
      {
        id: 'search',
        path: '/api/search',
        mode: 'public',
        rate_limit: { per_anonymous_address: '1/1h' },
      },
      { id: 'free', path: '/api/free', mode: 'optional' },
    ],
  });
});
after(() => stack.close());

async function call(path: string, headers: Record<string, string>) {
  const res = await fetch(`${stack.url}${path}`, {
    headers: { accept: 'application/json', ...headers },
  });
  const body = await res.text();
  return { status: res.status, headers: res.headers, body };
}

test('anonymous callers: per address; the one over the limit gets 429 and the upstream never sees it', async () => {
  const from = { 'x-forwarded-for': '198.51.100.1' };
  const seen = stack.upstream.seen.length;
  assert.equal((await call('/api/notes', from)).status, 200);
  assert.equal((await call('/api/notes', from)).status, 200);
  const refused = await call('/api/notes', from);
  assert.equal(refused.status, 429);
  assert.equal(stack.upstream.seen.length, seen + 2);
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assert.equal(refused.headers.get('ratelimit-limit'), '2');
  assert.equal(refused.headers.get('ratelimit-remaining'), '0');
  assert.equal(refused.headers.get('ratelimit-policy'), '2;w=60');
  const body = JSON.parse(refused.body) as {
    error: { code: string; status: number; request_id: string };
  };
  assert.equal(body.error.code, 'RATE_LIMITED');
  assert.equal(body.error.status, 429);
  assert.ok(body.error.request_id);
  // Another address has its own count.
  assert.equal((await call('/api/notes', { 'x-forwarded-for': '198.51.100.2' })).status, 200);
});

test('IPv6: a fresh address inside the same /64 is the same caller', async () => {
  assert.equal((await call('/api/notes', { 'x-forwarded-for': '2001:db8:7:7::1' })).status, 200);
  assert.equal((await call('/api/notes', { 'x-forwarded-for': '2001:db8:7:7::2' })).status, 200);
  assert.equal(
    (await call('/api/notes', { 'x-forwarded-for': '2001:db8:7:7:ffff::3' })).status,
    429,
  );
});

test('signed-in callers: per identity, whatever their address, and not on the address count', async () => {
  const alice = stack.kratos.addSession();
  const bob = stack.kratos.addSession();
  const at = (n: number) => ({ 'x-forwarded-for': `203.0.113.${n}` });
  for (let i = 1; i <= 3; i++) {
    assert.equal((await call('/api/notes', { ...withCookie(alice.token), ...at(i) })).status, 200);
  }
  assert.equal((await call('/api/notes', { ...withCookie(alice.token), ...at(9) })).status, 429);
  // Bob is counted on his own; and alice's requests did not use up the address's anonymous count.
  assert.equal((await call('/api/notes', { ...withCookie(bob.token), ...at(1) })).status, 200);
  assert.equal((await call('/api/notes', at(1))).status, 200);
});

test('each rule counts on its own; a rule without rate_limit is never limited', async () => {
  const from = { 'x-forwarded-for': '192.0.2.50' };
  assert.equal((await call('/api/search', from)).status, 200);
  assert.equal((await call('/api/search', from)).status, 429);
  assert.equal((await call('/api/notes', from)).status, 200);
  for (let i = 0; i < 5; i++) assert.equal((await call('/api/free', from)).status, 200);
});

test('a browser over the limit gets the HTML error page with the request id', async () => {
  const from = { 'x-forwarded-for': '192.0.2.77', accept: 'text/html' };
  await call('/api/search', from);
  const refused = await call('/api/search', from);
  assert.equal(refused.status, 429);
  assert.match(refused.headers.get('content-type') ?? '', /text\/html/);
  assert.match(refused.body, /Too many requests/);
  const requestId = refused.headers.get('x-request-id');
  assert.ok(requestId && refused.body.includes(`Request id: <code>${requestId}</code>`));
});

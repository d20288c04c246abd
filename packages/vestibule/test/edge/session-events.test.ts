// Which cached sessions a proxied settings/recovery submit evicts: the identity behind the session
// the response sets (recovery) or behind the caller's credential (settings); everything when that
// cannot be learnt (Kratos unreachable). The fake Kratos and a stub proxy part, no sockets to the app.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createSessionEvents } from '../../src/edge/session-events.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import type { EdgeRequestContext } from '../../src/edge/types.ts';
import { RULES, startGatewayStack, withCookie, type Stack } from '../support/gateway-stack.ts';

let stack: Stack;
before(async () => {
  stack = await startGatewayStack({ rules: RULES, cache: { ttlMs: 600_000 } });
});
after(() => stack.close());

const context = { requestId: 'req-1', clientAddress: undefined } as unknown as EdgeRequestContext;

async function cacheAll(...tokens: string[]) {
  stack.gateway.sessions.cache.clear();
  for (const token of tokens) await stack.gateway.sessions.resolve(new Headers(withCookie(token)));
  assert.equal(stack.gateway.sessions.cache.size, tokens.length);
}

function submit(path: string, token: string | undefined, response: Response) {
  const events = createSessionEvents(stack.gateway, createMemoryLogger());
  const proxy = events.wrapProxy(async () => response, '/api/ory');
  return proxy(
    new Request(`http://edge.test${path}`, {
      method: 'POST',
      headers: token ? withCookie(token) : {},
    }),
    context,
  );
}

test('settings submit: every cached session of the caller identity goes, others stay', async () => {
  const a = stack.kratos.addSession();
  const b = stack.kratos.addSession({ identityId: a.session.identity.id });
  const c = stack.kratos.addSession();
  await cacheAll(a.token, b.token, c.token);
  await submit(
    '/api/ory/self-service/settings?flow=f',
    a.token,
    new Response(null, { status: 303 }),
  );
  const cache = stack.gateway.sessions.cache;
  assert.equal(cache.peek({ kind: 'cookie', value: b.token }), undefined);
  assert.equal(cache.peek({ kind: 'cookie', value: c.token })?.id, c.session.id);
});

test('recovery submit: the identity of the session the response sets is evicted', async () => {
  const old = stack.kratos.addSession();
  const fresh = stack.kratos.addSession({ identityId: old.session.identity.id });
  const other = stack.kratos.addSession();
  await cacheAll(old.token, other.token);
  const response = new Response(null, {
    status: 303,
    headers: { 'set-cookie': `ory_kratos_session=${fresh.token}; Path=/; HttpOnly` },
  });
  await submit('/api/ory/self-service/recovery?flow=f', undefined, response);
  const cache = stack.gateway.sessions.cache;
  assert.equal(cache.peek({ kind: 'cookie', value: old.token }), undefined);
  assert.equal(cache.peek({ kind: 'cookie', value: other.token })?.id, other.session.id);
});

test('identity unknown (Kratos failing right after the submit): the whole cache is cleared', async () => {
  const a = stack.kratos.addSession();
  const b = stack.kratos.addSession();
  await cacheAll(a.token, b.token);
  stack.kratos.mode = 'error';
  try {
    await submit('/api/ory/self-service/recovery?flow=f', 'not-a-session', new Response('{}'));
  } finally {
    stack.kratos.mode = 'ok';
  }
  assert.equal(stack.gateway.sessions.cache.size, 0);
});

test('an anonymous settings/recovery request evicts nothing (no whole-cache flush on demand)', async () => {
  const a = stack.kratos.addSession();
  const b = stack.kratos.addSession();
  await cacheAll(a.token, b.token);
  await submit('/api/ory/self-service/settings', undefined, new Response(null, { status: 401 }));
  await submit('/api/ory/self-service/recovery?flow=f', 'not-a-session', new Response('{}'));
  assert.equal(stack.gateway.sessions.cache.size, 2);
});

test('other requests through the proxy evict nothing; 5xx answers evict nothing', async () => {
  const a = stack.kratos.addSession();
  await cacheAll(a.token);
  await submit('/api/ory/self-service/login?flow=f', a.token, new Response('{}'));
  await submit('/api/ory/self-service/settings?flow=f', a.token, new Response('', { status: 502 }));
  assert.equal(stack.gateway.sessions.cache.size, 1);
  await submit('/api/ory/self-service/%73ettings?flow=f', a.token, new Response('{}'));
  assert.equal(stack.gateway.sessions.cache.size, 0, 'an encoded path is still a settings submit');
  await cacheAll(a.token);
  await submit('/api/ory/self-service/./settings%252F?flow=f', a.token, new Response('{}'));
  assert.equal(
    stack.gateway.sessions.cache.size,
    0,
    'double-encoded, dot segments: still settings',
  );
});

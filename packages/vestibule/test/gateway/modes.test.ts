import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { createHeaderVerifier } from '../../src/identity-headers/verify.ts';
import {
  RULES,
  SECRET,
  browser,
  json,
  startGatewayStack,
  upstreamClosed,
  withCookie,
  type Stack,
} from '../support/gateway-stack.ts';

let stack: Stack;
before(async () => {
  stack = await startGatewayStack({ rules: RULES, publicURL: 'http://edge.example' });
});
after(() => stack.close());

const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  fetch(stack.url + path, { headers, method, redirect: 'manual' });
const lastSeen = () => stack.upstream.seen.at(-1)!;

test('public: forwarded with no identity headers and no signature, Kratos not asked', async () => {
  const { token } = stack.kratos.addSession();
  const calls = stack.kratos.whoamiCalls;
  const res = await get('/static/app.css', withCookie(token));
  assert.equal(res.status, 200);
  assert.equal(lastSeen().headers['x-user-id'], undefined);
  assert.equal(lastSeen().headers['x-vestibule-signature'], undefined);
  assert.equal(stack.kratos.whoamiCalls, calls);
});

test('optional: identity headers with a valid session, signed anonymous without', async () => {
  const { token, session } = stack.kratos.addSession({ email: 'opt@example.com' });
  const res = await get('/api/whoami', withCookie(token));
  assert.equal(res.status, 200);
  assert.equal(lastSeen().headers['x-user-id'], session.identity.id);
  assert.equal(lastSeen().headers['x-user-email'], 'opt@example.com');
  assert.equal(lastSeen().headers['x-user-role'], 'user');
  const verify = createHeaderVerifier({ secret: SECRET });
  const target = { method: 'GET', path: '/api/whoami' };
  assert.equal(
    verify(new Headers(lastSeen().headers as Record<string, string>), target).state,
    'user',
  );
  await get('/api/whoami');
  assert.equal(lastSeen().headers['x-user-id'], undefined);
  assert.equal(
    verify(new Headers(lastSeen().headers as Record<string, string>), target).state,
    'anonymous',
  );
});

test('optional with a stale or invalid cookie → anonymous, not 401', async () => {
  const { token } = stack.kratos.addSession();
  stack.kratos.revoke(token);
  const res = await get('/', withCookie(token, browser));
  assert.equal(res.status, 200);
  assert.equal(lastSeen().headers['x-user-id'], undefined);
  assert.equal((await get('/', withCookie('garbage'))).status, 200);
});

test('required: browser → 303 to /login?return_to=<original URL>; API → 401 JSON', async () => {
  const res = await get('/account?tab=2', browser);
  assert.equal(res.status, 303);
  assert.equal(
    res.headers.get('location'),
    `/login?return_to=${encodeURIComponent('http://edge.example/account?tab=2')}`,
  );
  const api = await get('/account', json);
  assert.equal(api.status, 401);
  const body = (await api.json()) as { error: { code: string; request_id: string } };
  assert.equal(body.error.code, 'SESSION_REQUIRED');
  assert.ok(body.error.request_id);
  const bearer = await get('/api/notes/12', { authorization: 'Bearer nope', accept: 'text/html' });
  assert.equal(bearer.status, 401, 'a token client is an API client even if it accepts HTML');
});

test('required: a valid cookie or session token is forwarded with identity', async () => {
  const { token, session } = stack.kratos.addSession();
  assert.equal((await get('/account', withCookie(token))).status, 200);
  assert.equal(lastSeen().headers['x-user-id'], session.identity.id);
  assert.equal((await get('/api/notes/7', { 'x-session-token': token })).status, 200);
  assert.equal((await get('/api/notes', { authorization: `Bearer ${token}` })).status, 200);
  assert.equal(lastSeen().url, '/api/notes');
});

test('session_aal2_required (whoami 403): required → /login?aal=aal2 (browser) or 403 JSON (API); optional → anonymous; never cached', async () => {
  const { token, session } = stack.kratos.addSession({ needsSecondFactor: true });
  const res = await get('/account?tab=2', withCookie(token, browser));
  assert.equal(res.status, 303);
  assert.equal(
    res.headers.get('location'),
    `/login?aal=aal2&return_to=${encodeURIComponent('http://edge.example/account?tab=2')}`,
  );
  const api = await get('/api/notes', { 'x-session-token': token });
  assert.equal(api.status, 403);
  const body = (await api.json()) as {
    error: { code: string; status: number; request_id: string };
  };
  assert.equal(body.error.code, 'SESSION_AAL2_REQUIRED');
  assert.equal(body.error.status, 403);
  assert.ok(body.error.request_id);
  assert.equal((await get('/admin/x', withCookie(token, json))).status, 403);
  const seen = stack.upstream.seen.length;
  assert.equal((await get('/api/whoami', withCookie(token))).status, 200);
  assert.equal(stack.upstream.seen.length, seen + 1);
  assert.equal(lastSeen().headers['x-user-id'], undefined, 'optional: anonymous');
  // The same cookie counts as soon as the second factor is done: the 403 was not cached.
  stack.kratos.completeSecondFactor(token);
  assert.equal((await get('/account', withCookie(token, browser))).status, 200);
  assert.equal(lastSeen().headers['x-user-id'], session.identity.id);
});

test('role: 403 without the role, forwarded with it; metadata_public.role is the source', async () => {
  const user = stack.kratos.addSession();
  const admin = stack.kratos.addSession({ role: 'admin' });
  assert.equal((await get('/admin/users', withCookie(user.token, json))).status, 403);
  assert.equal(
    (await get('/admin', withCookie(admin.token))).status,
    200,
    '/admin/** covers /admin',
  );
  assert.equal(lastSeen().headers['x-user-role'], 'admin');
  assert.equal((await get('/admin/x', browser)).status, 303);
});

test('first match wins and methods narrow a rule', async () => {
  assert.equal((await get('/', {}, 'HEAD')).status, 200);
  assert.equal((await get('/', json, 'DELETE')).status, 404, 'DELETE / matches no rule');
  assert.equal((await get('/upload', json, 'GET')).status, 404);
  assert.equal((await get('/upload', json, 'POST')).status, 401);
});

test('no matching rule → denied by default (404 JSON), even with a session', async () => {
  const { token } = stack.kratos.addSession();
  const res = await get('/not/in/rules', withCookie(token, json));
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'NO_MATCHING_RULE');
});

test('path tricks cannot dodge a rule: dot segments, encoded unreserved, encoded slashes', async () => {
  assert.equal((await get('/static/../admin/x', json)).status, 401, 'resolved to /admin/x');
  assert.equal((await get('/static/%2e%2e/admin/x', json)).status, 401);
  assert.equal((await get('/%61dmin/x', json)).status, 401, '/%61dmin is /admin');
  assert.equal((await get('/static/..%2Fadmin', json)).status, 400);
  assert.equal((await get('/static/..%5cadmin', json)).status, 400);
  const { token } = stack.kratos.addSession({ role: 'admin' });
  await get('/%61dmin/x', withCookie(token));
  assert.equal(lastSeen().url, '/admin/x', 'the upstream sees the path the rule was checked on');
});

test('hop-by-hop headers are stripped both ways; X-Forwarded-* set by the edge', async () => {
  // node:http, not fetch: fetch refuses to send a Connection header.
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    request(
      stack.url + '/stream',
      {
        headers: {
          'x-forwarded-for': '6.6.6.6',
          'x-forwarded-host': 'evil',
          connection: 'keep-alive, x-drop-me',
          'x-drop-me': '1',
          te: 'trailers',
        },
      },
      resolve,
    )
      .on('error', reject)
      .end();
  });
  let text = '';
  for await (const chunk of res) text += String(chunk);
  assert.equal(text, 'chunk1;chunk2');
  const seen = lastSeen().headers;
  assert.equal(seen['x-drop-me'], undefined);
  assert.equal(seen.te, undefined);
  assert.equal(seen['x-forwarded-for'], '127.0.0.1');
  // publicURL is configured: the edge's own host, never the client's Host or X-Forwarded-Host.
  assert.equal(seen['x-forwarded-host'], 'edge.example');
  assert.equal(seen['x-forwarded-proto'], 'http');
  assert.ok(seen['x-request-id']);
  assert.equal(res.headers['x-secret-hop'], undefined);
});

test('request bodies stream to the upstream; multiple Set-Cookie survive', async () => {
  const { token } = stack.kratos.addSession();
  const body = 'x'.repeat(200_000);
  const res = await fetch(stack.url + '/upload', {
    method: 'POST',
    body,
    headers: withCookie(token),
  });
  assert.equal(res.status, 200);
  assert.equal(lastSeen().body.length, 200_000);
  assert.deepEqual(res.headers.getSetCookie(), ['a=1', 'b=2']);
});

test('upstream down → 502 with request id; never a stack trace', async () => {
  const { createGateway } = await import('../../src/gateway/index.ts');
  const { createServer } = await import('node:http');
  const gateway = createGateway({
    upstreamURL: 'http://127.0.0.1:9',
    kratosPublicURL: stack.kratos.url,
    headerSecret: SECRET,
    rules: [{ path: '/**', mode: 'public' }],
    logger: {
      debug() {},
      info() {},
      warn() {},
      error() {},
      child() {
        return this;
      },
    },
  });
  const server = createServer((req, res) => void gateway.handle(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const res = await fetch(`http://127.0.0.1:${port}/x`, { headers: json });
  assert.equal(res.status, 502);
  const text = await res.text();
  assert.match(text, /UPSTREAM_UNAVAILABLE/);
  assert.doesNotMatch(text, /ECONNREFUSED|at /);
  server.close();
  await gateway.close();
});

test('Expect: 100-continue uploads work (the edge answers the 100, the upstream gets the body)', async () => {
  const { token } = stack.kratos.addSession();
  const url = new URL(stack.url + '/upload');
  const status = await new Promise<number>((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        expect: '100-continue',
        'content-length': '5',
        cookie: `ory_kratos_session=${token}`,
      },
    });
    req.on('continue', () => req.end('hello'));
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
  });
  assert.equal(status, 200);
  assert.equal(lastSeen().body, 'hello');
  assert.equal(lastSeen().headers.expect, undefined);
});

test('a client that hangs up mid-stream ends the upstream request too (no leaked upstream streams)', async () => {
  const closed = once(upstreamClosed, 'close');
  const controller = new AbortController();
  const res = await fetch(stack.url + '/endless', { signal: controller.signal });
  await res.body!.getReader().read();
  controller.abort();
  await closed; // hangs (test timeout) if the gateway kept the upstream stream open
});

test('rule bypass via case, ;params and servlet dot segments: refused with 400 before the upstream', async () => {
  const { token } = stack.kratos.addSession();
  const before = stack.upstream.seen.length;
  for (const path of ['/ADMIN/users', '/admin;x/users', '/static/..;/admin/users', '/Account']) {
    const res = await get(path, withCookie(token, json));
    assert.equal(res.status, 400, path);
    await res.body?.cancel();
  }
  assert.equal(stack.upstream.seen.length, before);
  // `//admin/users` is matched (and forwarded) as /admin/users: the role rule applies.
  const merged = await get('//admin/users', withCookie(token, json));
  assert.equal(merged.status, 403);
  await merged.body?.cancel();
});

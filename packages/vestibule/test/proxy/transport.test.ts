// Kratos down or slow, streaming in both directions, compressed and null bodies, logout hooks:
// the proxy over real sockets against a scriptable stub.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Pool } from 'undici';
import { createOryProxy, type LogoutEvent, type OryProxy } from '../../src/proxy/index.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { DEFAULT_MAX_REQUEST_BODY_BYTES } from '../../src/proxy/options.ts';
import { createTransport } from '../../src/proxy/transport.ts';
import {
  sendJSON,
  serveHandler,
  startStub,
  type Running,
  type Stub,
} from '../support/http-stubs.ts';

const BINARY = randomBytes(1024 * 1024 + 7);

describe('Kratos down or slow', () => {
  test('Kratos stopped → 502 with a request id, JSON or HTML by Accept, no internal host', async () => {
    const gone = await startStub(() => undefined);
    await gone.close();
    const logger = createMemoryLogger();
    const proxy = createOryProxy({ kratosPublicURL: gone.url, logger });
    const edge = await serveHandler(proxy);
    try {
      const res = await fetch(`${edge.url}/api/ory/sessions/whoami`, {
        headers: { accept: 'application/json' },
      });
      assert.equal(res.status, 502);
      const text = await res.text();
      const body = JSON.parse(text) as {
        error: { code: string; status: number; message: string; request_id: string };
      };
      assert.equal(body.error.code, 'KRATOS_UNAVAILABLE');
      assert.equal(body.error.status, 502);
      assert.equal(body.error.request_id, res.headers.get('x-request-id'));
      assert.doesNotMatch(text, /127\.0\.0\.1|ECONNREFUSED/i);
      assert.doesNotMatch(body.error.message, /kratos/i, 'no internal names in the message');
      const page = await fetch(`${edge.url}/api/ory/self-service/login/browser`, {
        headers: { accept: 'text/html,application/xhtml+xml', 'x-request-id': 'trace-abc-123' },
      });
      assert.equal(page.status, 502);
      assert.match(page.headers.get('content-type')!, /text\/html/);
      const html = await page.text();
      assert.match(html, /trace-abc-123/);
      assert.doesNotMatch(html, /127\.0\.0\.1/);
      assert.ok(logger.lines.some((l) => l.msg === 'kratos exchange failed' && l.status === 502));
    } finally {
      await edge.close();
      await proxy.close();
    }
  });

  test('Kratos slow (no headers, or headers then a stalled body) → 504 within the timeout', async () => {
    const stalled = await startStub((req, res) => {
      if (req.url.startsWith('/sessions/whoami')) return; // never answers
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"ui":'); // then stalls mid-body
    });
    const proxy = createOryProxy({
      kratosPublicURL: stalled.url,
      timeoutMs: 300,
      logger: createMemoryLogger(),
    });
    const edge = await serveHandler(proxy);
    try {
      for (const path of ['/sessions/whoami', '/self-service/login/flows?id=x']) {
        const started = Date.now();
        const res = await fetch(`${edge.url}/api/ory${path}`);
        assert.equal(res.status, 504, path);
        assert.ok(Date.now() - started < 5_000, 'answered around the 300 ms deadline, not hung');
        const body = (await res.json()) as {
          error: { code: string; status: number; request_id: string };
        };
        assert.equal(body.error.code, 'KRATOS_TIMEOUT');
        assert.equal(body.error.status, 504);
        assert.ok(body.error.request_id);
      }
    } finally {
      await edge.close();
      await stalled.close();
      await proxy.close();
    }
  });
});

describe('bodies and hooks', () => {
  let upstream: Stub;
  let proxy: OryProxy;
  let edge: Running;
  const logouts: LogoutEvent[] = [];
  let failHook = false;

  before(async () => {
    upstream = await startStub((req, res) => {
      const path = req.url.split('?')[0];
      if (path === '/.well-known/ory/webauthn.js') {
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-length': BINARY.length,
        });
        return void res.end(BINARY);
      }
      if (path === '/schemas/huge') {
        return sendJSON(res, 200, { blob: 'x'.repeat(3 * 1024 * 1024) });
      }
      if (path === '/self-service/fed-cm/token')
        return sendJSON(res, 200, { received: req.body.length });
      if (path === '/schemas/default') {
        const gz = gzipSync(
          JSON.stringify({ ui: { action: 'http://ory-kratos:4433/self-service/login' } }),
        );
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': gz.length,
        });
        return void res.end(gz);
      }
      if (req.method === 'DELETE') {
        res.writeHead(path === '/sessions' ? 200 : 204);
        return void res.end();
      }
      sendJSON(
        res,
        200,
        { ok: true },
        { 'set-cookie': ['a=1; Domain=kratos; Path=/', 'b=2; Path=/; SameSite=None'] },
      );
    });
    proxy = createOryProxy({
      kratosPublicURL: upstream.url,
      publicOrigin: 'https://app.example.com',
      cookieDomain: 'example.com',
      trustForwardedHeaders: true,
      logger: createMemoryLogger(),
      onLogout: (e) => {
        logouts.push(e);
        if (failHook) throw new Error('cache down');
      },
    });
    edge = await serveHandler(proxy);
  });
  after(async () => {
    await edge.close();
    await upstream.close();
    await proxy.close();
  });

  test('binary bodies stream through untouched with their length', async () => {
    const res = await fetch(`${edge.url}/api/ory/.well-known/ory/webauthn.js`);
    assert.equal(res.headers.get('content-length'), String(BINARY.length));
    assert.ok(Buffer.from(await res.arrayBuffer()).equals(BINARY));
  });

  test('request bodies stream to Kratos (up to the default request body limit)', async () => {
    const res = await fetch(`${edge.url}/api/ory/self-service/fed-cm/token`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(DEFAULT_MAX_REQUEST_BODY_BYTES),
    });
    assert.deepEqual(await res.json(), { received: DEFAULT_MAX_REQUEST_BODY_BYTES });
  });

  test('a gzip answer is decoded, rewritten and re-framed (no stale Content-Encoding)', async () => {
    const res = await fetch(`${edge.url}/api/ory/schemas/default`, {
      headers: { 'accept-encoding': 'identity' },
    });
    assert.equal(res.headers.get('content-encoding'), null);
    const text = await res.text();
    assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(text)));
    assert.deepEqual(JSON.parse(text), {
      ui: { action: 'https://app.example.com/api/ory/self-service/login' },
    });
    assert.equal(upstream.seen.at(-1)!.headers['accept-encoding'], 'identity');
  });

  test('https public origin: cookies get Secure and the configured Domain; trusted XFF is extended', async () => {
    const res = await fetch(`${edge.url}/api/ory/sessions/whoami`, {
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    assert.deepEqual(res.headers.getSetCookie(), [
      'a=1; Path=/; Domain=example.com; Secure',
      'b=2; Path=/; SameSite=None; Domain=example.com; Secure',
    ]);
    assert.equal(upstream.seen.at(-1)!.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
    assert.equal(upstream.seen.at(-1)!.headers['x-forwarded-proto'], 'https');
  });

  test('a JSON body too large to rewrite safely is a 502, never passed on unrewritten', async () => {
    const res = await fetch(`${edge.url}/api/ory/schemas/huge`, {
      headers: { accept: 'application/json' },
    });
    assert.equal(res.status, 502);
    const again = await fetch(`${edge.url}/api/ory/sessions/whoami`);
    assert.equal(again.status, 200, 'the proxy keeps working afterwards');
  });

  test('HEAD and 204 answers have no body', async () => {
    const head = await fetch(`${edge.url}/api/ory/sessions/whoami`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  test('native logout, session revocation and "other sessions" fire onLogout; a failing hook never breaks the answer', async () => {
    logouts.length = 0;
    const del = (path: string, init: RequestInit = {}) =>
      fetch(`${edge.url}/api/ory${path}`, { method: 'DELETE', ...init });
    const native = await del('/self-service/logout/api', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session_token: 'ory_st_abc' }),
    });
    assert.equal(native.status, 204);
    assert.equal(
      upstream.seen.at(-1)!.body,
      '{"session_token":"ory_st_abc"}',
      'body still forwarded',
    );
    // Upper case, which Kratos accepts: the event carries the id as Kratos (and the cache) hold it.
    await del('/sessions/5E1B1C1A-0000-4000-8000-000000000000', {
      headers: { cookie: 'ory_kratos_session=s' },
    });
    await del('/sessions', { headers: { 'x-session-token': 'ory_st_def' } });
    assert.deepEqual(
      logouts.map(({ kind, sessionToken, sessionId, cookie }) => ({
        kind,
        sessionToken,
        sessionId,
        cookie,
      })),
      [
        { kind: 'logout', sessionToken: 'ory_st_abc', sessionId: undefined, cookie: undefined },
        {
          kind: 'session-revoked',
          sessionToken: undefined,
          sessionId: '5e1b1c1a-0000-4000-8000-000000000000',
          cookie: 'ory_kratos_session=s',
        },
        {
          kind: 'other-sessions-revoked',
          sessionToken: 'ory_st_def',
          sessionId: undefined,
          cookie: undefined,
        },
      ],
    );
    // HEAD on the browser logout URL logs out where HEAD reaches the GET handler.
    logouts.length = 0;
    await fetch(`${edge.url}/api/ory/self-service/logout?token=t`, {
      method: 'HEAD',
      headers: { cookie: 'ory_kratos_session=s' },
    });
    assert.deepEqual(
      logouts.map((l) => l.kind),
      ['logout'],
    );
    failHook = true;
    const still = await del('/self-service/logout/api', { body: '{"session_token":"x"}' });
    assert.equal(still.status, 204);
    failHook = false;
  });
});

test('a proxied call waiting for a socket gives up at its deadline, not when the socket frees (review finding)', async () => {
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.url === '/first') held.push(res);
    else res.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const pool = new Pool(base, { connections: 1 });
  const transport = createTransport({ dispatcher: pool });
  const get = { method: 'GET', headers: {}, body: null };
  try {
    const first = transport.send(`${base}/first`, get, 10_000);
    let firstSettled = false;
    void first.then(
      () => (firstSettled = true),
      () => (firstSettled = true),
    );
    await assert.rejects(transport.send(`${base}/second`, get, 50), { code: 'KRATOS_TIMEOUT' });
    assert.equal(
      firstSettled,
      false,
      'the second call ended while the first still held the socket',
    );
    while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    held[0]!.end('{}');
    const response = await first;
    assert.equal(response.status, 200);
    response.discard();
  } finally {
    await pool.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

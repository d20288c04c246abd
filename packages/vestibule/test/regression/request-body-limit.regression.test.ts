// Unbounded request bodies through the proxy: an anonymous 4 MiB POST was streamed to Kratos, which
// answered 413 and closed mid-upload, so the browser got 502 and the log said "kratos is unreachable".
// Fixed in 7981a6e (maxRequestBodyBytes: 413 before Kratos is called, chunked bodies counted).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { connect } from 'node:net';
import { createOryProxy, type OryProxy } from '../../src/proxy/index.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import {
  sendJSON,
  serveHandler,
  startStub,
  type Running,
  type Stub,
} from '../support/http-stubs.ts';
import { until } from '../support/until.ts';

const LIMIT = 64 * 1024;
const LOGIN = '/api/ory/self-service/login?flow=5d4c1b2a-0000-4000-8000-000000000001';

/** A body fetch sends chunked (no Content-Length), in 16 KiB pieces. */
function chunked(total: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const size = Math.min(16 * 1024, total - sent);
      sent += size;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
  });
}

describe('proxy request body limit', () => {
  let kratos: Stub;
  let proxy: OryProxy;
  let edge: Running;
  const logger = createMemoryLogger();
  const requests = new EventEmitter();

  before(async () => {
    kratos = await startStub((req, res) =>
      sendJSON(res, 200, {
        length: req.body.length,
        declared: req.headers['content-length'] ?? null,
      }),
    );
    proxy = createOryProxy({ kratosPublicURL: kratos.url, logger, maxRequestBodyBytes: LIMIT });
    edge = await serveHandler((req, info) => {
      requests.emit('request');
      return proxy(req, info);
    });
  });
  after(async () => {
    await edge.close();
    await proxy.close();
    await kratos.close();
  });

  function warnings(): string[] {
    return logger.lines
      .filter(
        (l) => l.level === 'warn' || l.level === 'error' || /unreachable/.test(JSON.stringify(l)),
      )
      .map((l) => JSON.stringify(l));
  }

  test('a Content-Length over the limit is a 413 at once; Kratos is never called', async () => {
    const before = kratos.seen.length;
    const res = await fetch(`${edge.url}${LOGIN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: 'x'.repeat(LIMIT + 1),
    });
    assert.equal(res.status, 413);
    const body = (await res.json()) as {
      error: { code: string; status: number; request_id: string };
    };
    assert.equal(body.error.code, 'PAYLOAD_TOO_LARGE');
    assert.equal(body.error.status, 413);
    assert.equal(body.error.request_id, res.headers.get('x-request-id'));
    assert.equal(res.headers.get('connection'), 'close', 'the unread rest must not be reused');
    assert.equal(kratos.seen.length, before);
    assert.deepEqual(warnings(), []);
  });

  test('a browser gets the 413 as the HTML error page', async () => {
    const res = await fetch(`${edge.url}${LOGIN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: 'x'.repeat(LIMIT + 1),
    });
    assert.equal(res.status, 413);
    assert.match(res.headers.get('content-type')!, /^text\/html/);
    assert.match(await res.text(), new RegExp(res.headers.get('x-request-id')!));
  });

  test('a chunked body over the limit is a 413, Kratos gets no body, nothing says unreachable', async () => {
    const before = kratos.seen.length;
    const res = await fetch(`${edge.url}${LOGIN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: chunked(4 * LIMIT),
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 413);
    assert.equal(
      ((await res.json()) as { error: { code: string } }).error.code,
      'PAYLOAD_TOO_LARGE',
    );
    assert.equal(kratos.seen.length, before, 'the stub only records whole bodies');
    assert.deepEqual(warnings(), []);
    assert.ok(logger.lines.some((l) => l.msg === 'ory proxy stopped a request body'));
  });

  test('a chunked body of exactly the limit is forwarded whole', async () => {
    const res = await fetch(`${edge.url}${LOGIN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: chunked(LIMIT),
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { length: LIMIT, declared: null });
  });

  test('a body just under the limit keeps its accurate Content-Length and arrives intact', async () => {
    const text = JSON.stringify({ method: 'password', password: 'p'.repeat(LIMIT - 100) });
    const res = await fetch(`${edge.url}${LOGIN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: text,
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), {
      length: text.length,
      declared: String(text.length),
    });
    assert.equal(kratos.seen.at(-1)!.body, text);
  });

  test('a client that hangs up mid-upload logs no warning', async () => {
    const url = new URL(edge.url);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const handling = once(requests, 'request');
    socket.write(
      `POST ${LOGIN} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
        'Content-Length: 20000\r\n\r\n' +
        'a'.repeat(5000),
    );
    await handling; // the edge has the request and is reading its body
    socket.destroy();
    await until(() => logger.lines.some((l) => l.reason === 'client-aborted'));
    assert.ok(logger.lines.some((l) => l.reason === 'client-aborted'));
    assert.deepEqual(warnings(), []);
  });
});

describe('proxy request body framing (in-process)', () => {
  let kratos: Stub;
  let proxy: OryProxy;
  const logger = createMemoryLogger();

  before(async () => {
    kratos = await startStub((_req, res) => sendJSON(res, 200, {}));
    proxy = createOryProxy({ kratosPublicURL: kratos.url, logger, maxRequestBodyBytes: LIMIT });
  });
  after(async () => {
    await proxy.close();
    await kratos.close();
  });

  function post(headers: Record<string, string>, body: BodyInit): Request {
    return new Request(`http://app.test${LOGIN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body,
      duplex: 'half',
    } as RequestInit);
  }

  for (const value of ['-1', '1e3', '5, 5', ' ', '0x10']) {
    test(`Content-Length ${JSON.stringify(value)} is a 400 before Kratos is called`, async () => {
      const res = await proxy(post({ 'content-length': value }, '{}'));
      assert.equal(res.status, 400);
      assert.equal(kratos.seen.length, 0);
    });
  }

  test('a body longer than its Content-Length is a 400; Kratos never gets the extra bytes', async () => {
    const res = await proxy(post({ 'content-length': '10' }, chunked(20_000)));
    assert.equal(res.status, 400);
    assert.ok(kratos.seen.every((r) => r.body.length <= 10));
    assert.ok(logger.lines.some((l) => l.reason === 'length-mismatch'));
    assert.ok(!logger.lines.some((l) => l.level === 'warn'));
  });

  test('a body shorter than its Content-Length is a 400, not a truncated submit', async () => {
    const before = kratos.seen.length;
    const res = await proxy(post({ 'content-length': '30000' }, chunked(20_000)));
    assert.equal(res.status, 400);
    assert.equal(kratos.seen.length, before);
  });

  test('maxRequestBodyBytes is validated when the proxy is built', () => {
    for (const bad of [0, -1, 1.5, '1024', 2 ** 31]) {
      assert.throws(
        () => createOryProxy({ kratosPublicURL: kratos.url, maxRequestBodyBytes: bad as number }),
        (err: unknown) => err instanceof TypeError && /"maxRequestBodyBytes"/.test(err.message),
      );
    }
  });
});

test('a client that trickles its body past the deadline gets 408, and Kratos is not reported slow', async () => {
  const logger = createMemoryLogger();
  // Kratos reads the whole body before answering, as a real server does.
  const kratos = await startStub((req, res) => sendJSON(res, 200, { length: req.body.length }));
  const proxy = createOryProxy({ kratosPublicURL: kratos.url, logger, timeoutMs: 300 });
  const edge = await serveHandler((req, info) => proxy(req, info));
  let release: () => void = () => {};
  const stalled = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"method":"password",'));
    },
    // The rest never comes (until the test ends).
    pull: () => new Promise<void>((resolve) => (release = resolve)),
  });
  try {
    const res = await fetch(`${edge.url}${LOGIN}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: stalled,
      duplex: 'half',
    } as RequestInit);
    assert.equal(res.status, 408);
    const body = (await res.json()) as {
      error: { code: string; status: number; request_id: string };
    };
    assert.equal(body.error.code, 'REQUEST_TIMEOUT');
    assert.equal(body.error.status, 408);
    assert.ok(body.error.request_id);
    const lines = logger.lines.map((l) => JSON.stringify(l));
    assert.ok(
      lines.some((l) => l.includes('too-slow')),
      lines.join('\n'),
    );
    assert.deepEqual(
      logger.lines.filter((l) => l.level === 'warn' || l.level === 'error'),
      [],
    );
  } finally {
    release();
    await edge.close();
    await proxy.close();
    await kratos.close();
  }
});

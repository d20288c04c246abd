// The forwarding transport (undici dispatch handler) against an upstream that misbehaves on purpose:
// slow readers, resets mid-body, hangs before headers, hostile header names, clients that leave.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { createServer, get as httpGet, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, type Gateway } from '../../src/gateway/index.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { startFakeKratos, type FakeKratos } from '../support/fake-kratos.ts';
import { SECRET } from '../support/gateway-stack.ts';

const BIG = 48 * 1024 * 1024;
const CHUNK = Buffer.alloc(64 * 1024, 'v');
const events = new EventEmitter();

let upstream: Server;
let edge: Server;
let gateway: Gateway;
let kratos: FakeKratos;
let url: string;
const logger = createMemoryLogger();

before(async () => {
  kratos = await startFakeKratos();
  upstream = createServer((req, res) => {
    events.emit('upstream-request', req.url);
    req.on('close', () => events.emit('upstream-request-closed', req.url));
    if (req.url === '/big') {
      // Writes until done, honouring back-pressure; says when a write had to wait for 'drain'.
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': BIG });
      let sent = 0;
      const pump = () => {
        while (sent < BIG) {
          sent += CHUNK.length;
          if (!res.write(CHUNK)) {
            events.emit('upstream-waiting', sent);
            res.once('drain', pump);
            return;
          }
        }
        res.end();
      };
      pump();
      return;
    }
    if (req.url === '/reset-mid-body') {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 1000 });
      // Reset once the client has the first bytes, so they are known to have crossed the edge.
      res.write('partial;');
      events.once('client-got-partial', () => res.socket?.destroy());
      return;
    }
    if (req.url?.startsWith('/hang')) return; // never answers
    if (req.url === '/proto-header') {
      res.setHeader('__proto__', 'polluted');
      res.setHeader('constructor', 'x');
      res.end('ok');
      return;
    }
    res.end('?');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  gateway = gatewayWaiting(300);
  edge = createServer((req, res) => void gateway.handle(req, res));
  await new Promise<void>((r) => edge.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;
});

/** A public-only gateway in front of the test upstream, waiting this long for response headers. */
function gatewayWaiting(headersTimeoutMs: number): Gateway {
  return createGateway({
    upstreamURL: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
    kratosPublicURL: kratos.url,
    headerSecret: SECRET,
    upstream: { headersTimeoutMs },
    rules: [{ path: '/**', mode: 'public' }],
    logger,
  });
}

after(async () => {
  edge.closeAllConnections();
  upstream.closeAllConnections();
  await new Promise((r) => edge.close(r));
  await new Promise((r) => upstream.close(r));
  await gateway.close();
  await kratos.close();
});

const open = (path: string) =>
  new Promise<IncomingMessage>((resolve, reject) =>
    httpGet(url + path, resolve).on('error', reject),
  );

test('a slow client pauses the upstream (no unbounded buffering) and still gets every byte', async () => {
  const res = await open('/big');
  res.pause();
  // With back-pressure the upstream must wait for 'drain' long before the whole body is out;
  // an edge that buffered everything would let it write all 48 MiB at once.
  const sentWhenBlocked = await new Promise<number>((resolve) => {
    const onWait = (sent: number) => {
      const timer = setTimeout(() => {
        events.off('upstream-waiting', onWait);
        resolve(sent);
      }, 300);
      events.once('upstream-waiting', () => clearTimeout(timer));
    };
    events.on('upstream-waiting', onWait);
  });
  assert.ok(sentWhenBlocked < BIG / 2, `upstream had sent ${sentWhenBlocked} bytes while blocked`);
  const hash = createHash('sha256');
  let length = 0;
  res.on('data', (chunk: Buffer) => {
    length += chunk.length;
    hash.update(chunk);
  });
  res.resume();
  await once(res, 'end');
  assert.equal(length, BIG);
  const expected = createHash('sha256');
  for (let i = 0; i < BIG / CHUNK.length; i++) expected.update(CHUNK);
  assert.equal(hash.digest('hex'), expected.digest('hex'));
});

test('an upstream that resets mid-body: the client sees a broken response, the edge logs it', async () => {
  const res = await open('/reset-mid-body');
  assert.equal(res.statusCode, 200);
  let text = '';
  res.on('data', (c) => {
    text += String(c);
    if (text === 'partial;') events.emit('client-got-partial');
  });
  const [err] = await once(res, 'error').catch((e: unknown) => [e]);
  assert.ok(err instanceof Error, 'the response must not end as if complete');
  assert.equal(text, 'partial;');
  assert.ok(logger.lines.some((l) => l.msg === 'upstream request failed'));
});

test('an upstream that never sends headers → 504 UPSTREAM_TIMEOUT with a request id', async () => {
  const res = await fetch(url + '/hang', { headers: { accept: 'application/json' } });
  assert.equal(res.status, 504);
  const body = (await res.json()) as { error: { code: string; request_id: string } };
  assert.equal(body.error.code, 'UPSTREAM_TIMEOUT');
  assert.equal(body.error.request_id, res.headers.get('x-request-id'));
  assert.ok(body.error.request_id);
});

test(
  'a client that leaves before the upstream answers aborts the upstream request',
  { timeout: 20_000 },
  async () => {
    // A gateway that would wait minutes for the upstream's headers: only the abort can end it early.
    const patient = gatewayWaiting(600_000);
    const server = createServer((req, res) => void patient.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const closed = new Promise((resolve) =>
      events.on('upstream-request-closed', (u) => u === '/hang-then-leave' && resolve(u)),
    );
    const arrived = new Promise((resolve) =>
      events.on('upstream-request', (u) => u === '/hang-then-leave' && resolve(u)),
    );
    const controller = new AbortController();
    const port = (server.address() as AddressInfo).port;
    const pending = fetch(`http://127.0.0.1:${port}/hang-then-leave`, {
      signal: controller.signal,
    }).catch(() => 'aborted');
    await arrived;
    controller.abort();
    assert.equal(await pending, 'aborted');
    await closed; // times out (test fails) if the upstream request outlived the client
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await patient.close();
  },
);

test('hostile response header names (__proto__, constructor) pass as headers, pollute nothing', async () => {
  const res = await fetch(url + '/proto-header');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'ok');
  assert.equal(res.headers.get('constructor'), 'x');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.prototype.toString.call({}), '[object Object]');
});

// The edge's own response fields (x-request-id, Strict-Transport-Security) on gateway answers. The
// gateway writes them into the forwarded response's head itself (so Node's writeHead keeps its fast
// path) and sets them on every answer it writes otherwise: each kind of answer is checked here, with
// the header order and the upstream's own same-name header winning as with setHeader() before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningEdge } from '../../src/edge/start-edge.ts';
import { SECRET } from '../support/gateway-stack.ts';
import { startFakeKratos, type FakeKratos } from '../support/fake-kratos.ts';
import { startConfiguredEdge } from '../support/configured-edge.ts';

const HSTS = 'max-age=31536000';
let kratos: FakeKratos;
let upstream: Server;
let upstreamURL: string;
let edge: RunningEdge;
const seenIds: string[] = [];

before(async () => {
  kratos = await startFakeKratos();
  upstream = createServer((req, res) => {
    seenIds.push(String(req.headers['x-request-id']));
    // A connection reset before any answer: the edge's 502.
    if (req.url!.startsWith('/down/')) return void req.socket.destroy();
    if (req.url === '/open/own-id') {
      res.writeHead(200, { 'x-request-id': 'upstream-chose-this', 'content-type': 'text/plain' });
    } else {
      res.writeHead(201, { 'content-type': 'text/plain', 'x-app': 'a' });
    }
    res.end('ok');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  edge = await startConfiguredEdge({
    server: { public_url: 'https://edge.example.test' },
    kratos: { public_url: kratos.url },
    gateway: {
      upstream_url: upstreamURL,
      header_secret: SECRET,
      revocation: { secret: 'revocation-secret-0123456789abcdef' },
      rules: [
        { path: '/open/**', mode: 'public' },
        { path: '/private/**', mode: 'required' },
        { path: '/down/**', mode: 'public' },
      ],
    },
  });
});
after(async () => {
  await edge.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
  await kratos.close();
});

async function get(path: string, init: RequestInit = {}) {
  const res = await fetch(edge.url + path, { redirect: 'manual', ...init });
  await res.arrayBuffer();
  return res;
}

test('a forwarded response: the edge fields first, then the upstream head; its id is the one the upstream saw', async () => {
  const res = await get('/open/page');
  assert.equal(res.status, 201);
  const id = res.headers.get('x-request-id')!;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal(seenIds.at(-1), id);
  assert.equal(res.headers.get('strict-transport-security'), HSTS);
  assert.equal(res.headers.get('x-app'), 'a');
  // fetch() sorts header names: read the order from the wire instead.
  const raw = await rawHead(new URL(edge.url).port, '/open/page');
  const order = raw
    .split('\r\n')
    .slice(1)
    .map((line) => line.split(':')[0]!.toLowerCase());
  assert.deepEqual(order.slice(0, 4), [
    'strict-transport-security',
    'x-request-id',
    'content-type',
    'x-app',
  ]);
});

test("an upstream's own x-request-id replaces the edge's, as setHeader() before writeHead() did", async () => {
  const res = await get('/open/own-id');
  assert.equal(res.headers.get('x-request-id'), 'upstream-chose-this');
  assert.equal(res.headers.get('strict-transport-security'), HSTS);
});

test('refusals, unreachable upstreams and the revocation endpoint carry the edge fields', async () => {
  const answers = [
    await get('/private/page', { headers: { accept: 'application/json' } }),
    await get('/down/page', { headers: { accept: 'application/json' } }),
    await get('/.vestibule/revoke', { method: 'POST' }),
  ];
  assert.deepEqual(
    answers.map((r) => r.status),
    [401, 502, 401],
  );
  for (const res of answers) {
    assert.match(res.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get('strict-transport-security'), HSTS);
  }
  const body = (await (
    await fetch(edge.url + '/down/x', { headers: { accept: 'application/json' } })
  ).json()) as { error: { request_id: string } };
  assert.match(body.error.request_id, /^[0-9a-f-]{36}$/);
});

function rawHead(port: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    import('node:net').then(({ connect }) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      );
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('end', () => resolve(data.split('\r\n\r\n')[0]!));
      socket.on('error', reject);
    }, reject);
  });
}

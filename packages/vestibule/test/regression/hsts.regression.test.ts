// Issue 13: Strict-Transport-Security on every response of an edge whose public URL is https —
// health, the Kratos proxy, the pages, the gateway's upstream answers, refusals and errors, and
// WebSocket refusals written on the raw socket — and never when the public URL is plain http.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect } from 'node:net';
import { loadConfigObject } from '../../src/config/index.ts';
import { hstsValue } from '../../src/edge/create-edge.ts';
import type { RunningEdge } from '../../src/edge/start-edge.ts';
import { startUpstream, type Upstream, SECRET } from '../support/gateway-stack.ts';
import { startFakeKratos, type FakeKratos } from '../support/fake-kratos.ts';
import { startConfiguredEdge } from '../support/configured-edge.ts';

const HSTS = 'max-age=31536000';
let kratos: FakeKratos;
let upstream: Upstream;
let secure: RunningEdge;
let plain: RunningEdge;

function edgeFor(publicURL: string): Promise<RunningEdge> {
  return startConfiguredEdge({
    server: { public_url: publicURL },
    kratos: { public_url: kratos.url },
    gateway: {
      upstream_url: upstream.url,
      header_secret: SECRET,
      rules: [
        { path: '/open/**', mode: 'public' },
        { path: '/private/**', mode: 'required' },
      ],
    },
  });
}

before(async () => {
  kratos = await startFakeKratos();
  upstream = await startUpstream();
  secure = await edgeFor('https://edge.example.test');
  plain = await edgeFor('http://localhost:4000');
});
after(async () => {
  await secure.close();
  await plain.close();
  await upstream.close();
  await kratos.close();
});

const KINDS: Array<[string, string, Record<string, string>]> = [
  ['health', '/health', {}],
  ['proxy answer', '/api/ory/sessions/whoami', {}],
  ['page', '/login', { accept: 'text/html' }],
  ['upstream response', '/open/page', {}],
  ['refusal', '/private/page', { accept: 'application/json' }],
  ['no matching rule', '/nowhere', { accept: 'application/json' }],
];

async function hstsOf(edge: RunningEdge, path: string, headers: Record<string, string>) {
  const res = await fetch(edge.url + path, { headers, redirect: 'manual' });
  await res.arrayBuffer();
  return res.headers.get('strict-transport-security');
}

test('every kind of response carries HSTS when the public URL is https', async () => {
  for (const [kind, path, headers] of KINDS) {
    assert.equal(await hstsOf(secure, path, headers), HSTS, kind);
  }
});

test('no response carries HSTS when the public URL is http', async () => {
  for (const [kind, path, headers] of KINDS) {
    assert.equal(await hstsOf(plain, path, headers), null, kind);
  }
});

function upgradeHead(edge: RunningEdge, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(edge.url + path, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        accept: 'application/json',
      },
    });
    const done = (res: { headers: Record<string, unknown> }) =>
      resolve(String(res.headers['strict-transport-security'] ?? ''));
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      done(res);
    });
    req.on('response', (res) => {
      res.resume();
      done(res);
    });
    req.on('error', reject);
    req.end();
  });
}

test('WebSocket refusals and switches written on the socket carry HSTS over https only', async () => {
  assert.equal(await upgradeHead(secure, '/private/ws'), HSTS, 'gateway refusal');
  assert.equal(await upgradeHead(secure, '/open/ws'), HSTS, '101 from the upstream');
  assert.equal(await upgradeHead(secure, '/health'), HSTS, 'not a gateway route');
  assert.equal(await upgradeHead(plain, '/private/ws'), '');
});

test('a request the edge cannot route at all still gets HSTS', async () => {
  const { port } = new URL(secure.url);
  const head = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () =>
      socket.write('GET http://x/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    );
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
  assert.match(head, /^HTTP\/1\.1 400/);
  assert.match(head, /strict-transport-security: max-age=31536000/i);
});

test('hsts_max_age: 0 turns it off; includeSubDomains is opt-in', () => {
  const server = (extra: Record<string, unknown>) =>
    loadConfigObject({ server: { public_url: 'https://a.test', ...extra } }, { env: {} }).config
      .server;
  assert.equal(hstsValue(server({ hsts_max_age: 0 })), undefined);
  assert.equal(
    hstsValue(server({ hsts_include_subdomains: true })),
    'max-age=31536000; includeSubDomains',
  );
});

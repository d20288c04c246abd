// Issue 13: a cookie-authenticated unsafe request or WebSocket upgrade from another site is refused
// with 403 CROSS_SITE_REQUEST before the upstream sees it (Sec-Fetch-Site: cross-site, or an Origin
// other than the public origin when Fetch Metadata is absent). Same-site and same-origin pass; so do
// header tokens (not ambient), public rules, requests without a session cookie, and `csrf: off` rules.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { startGatewayStack, type Stack } from '../support/gateway-stack.ts';

const PUBLIC_URL = 'https://app.example.test';
let stack: Stack;
let token: string;

before(async () => {
  stack = await startGatewayStack({
    publicURL: PUBLIC_URL,
    rules: [
      { id: 'hook', path: '/hooks/**', mode: 'required', csrf: 'off' },
      { id: 'open', path: '/open/**', mode: 'public' },
      { id: 'optional', path: '/optional/**', mode: 'optional' },
      { id: 'admin', path: '/admin/**', mode: 'role', roles: ['admin'] },
      { id: 'app', path: '/**', mode: 'required' },
    ],
  });
  token = stack.kratos.addSession({ role: 'admin' }).token;
});
after(() => stack.close());
beforeEach(() => void (stack.upstream.seen.length = 0));

const cookie = () => `ory_kratos_session=${token}`;

async function send(method: string, path: string, headers: Record<string, string>) {
  const res = await fetch(stack.url + path, {
    method,
    headers,
    body: method === 'GET' ? null : 'x=1',
  });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
  test(`a cross-site ${method} with a valid session cookie is refused before the upstream`, async () => {
    const res = await send(method, '/notes', {
      cookie: cookie(),
      'sec-fetch-site': 'cross-site',
      accept: 'application/json',
    });
    assert.equal(res.status, 403);
    const body = JSON.parse(res.body) as { error: Record<string, unknown> };
    assert.equal(body.error.code, 'CROSS_SITE_REQUEST');
    assert.equal(body.error.status, 403);
    assert.equal(typeof body.error.request_id, 'string');
    assert.equal(stack.upstream.seen.length, 0);
  });
}

test('optional and role rules refuse too; a browser gets an HTML page', async () => {
  for (const path of ['/optional/x', '/admin/x']) {
    const res = await send('POST', path, {
      cookie: cookie(),
      'sec-fetch-site': 'cross-site',
      accept: 'text/html',
    });
    assert.equal(res.status, 403);
    assert.match(res.type ?? '', /text\/html/);
  }
  assert.equal(stack.upstream.seen.length, 0);
});

test('same-site, same-origin and none pass', async () => {
  for (const site of ['same-site', 'same-origin', 'none']) {
    const res = await send('POST', '/notes', { cookie: cookie(), 'sec-fetch-site': site });
    assert.equal(res.status, 200, site);
  }
  assert.equal(stack.upstream.seen.length, 3);
});

test('without Fetch Metadata, a foreign Origin is refused and the public origin passes', async () => {
  const foreign = await send('POST', '/notes', { cookie: cookie(), origin: 'https://evil.test' });
  assert.equal(foreign.status, 403);
  const opaque = await send('POST', '/notes', { cookie: cookie(), origin: 'null' });
  assert.equal(opaque.status, 403);
  assert.equal(stack.upstream.seen.length, 0);
  const own = await send('POST', '/notes', { cookie: cookie(), origin: PUBLIC_URL });
  assert.equal(own.status, 200);
  const none = await send('POST', '/notes', { cookie: cookie() });
  assert.equal(none.status, 200, 'no Origin, no Sec-Fetch-Site: not a browser request');
});

test('header tokens, safe methods, public rules, no cookie and csrf: off are unaffected', async () => {
  const site = { 'sec-fetch-site': 'cross-site' };
  assert.equal((await send('POST', '/notes', { 'x-session-token': token, ...site })).status, 200);
  assert.equal(
    (await send('POST', '/notes', { authorization: `Bearer ${token}`, ...site })).status,
    200,
  );
  assert.equal((await send('GET', '/notes', { cookie: cookie(), ...site })).status, 200);
  assert.equal((await send('POST', '/open/form', { cookie: cookie(), ...site })).status, 200);
  assert.equal((await send('POST', '/optional/x', site)).status, 200);
  assert.equal((await send('POST', '/hooks/stripe', { cookie: cookie(), ...site })).status, 200);
  assert.equal(stack.upstream.seen.length, 6);
});

function upgrade(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${stack.url}/ws`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode!);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

test('a cross-site WebSocket upgrade with the cookie is refused; a same-origin one upgrades', async () => {
  assert.equal(await upgrade({ cookie: cookie(), origin: 'https://evil.test' }), 403);
  assert.equal(await upgrade({ cookie: cookie(), 'sec-fetch-site': 'cross-site' }), 403);
  assert.equal(stack.upstream.seen.length, 0);
  assert.equal(await upgrade({ cookie: cookie(), origin: PUBLIC_URL }), 101);
  assert.equal(stack.upstream.seen.length, 1);
});

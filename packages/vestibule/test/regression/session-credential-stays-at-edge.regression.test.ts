// Issue 13: the Kratos session credential (the session cookie, X-Session-Token, `Authorization:
// Bearer ory_st_…`) never reaches an upstream app, on HTTP requests and WebSocket upgrades alike,
// while the app's own cookies (byte for byte) and its own Authorization pass. An upstream that opts
// in (forward_session_credential) gets it, with a startup warning — and only that upstream.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import fc from 'fast-check';
import { loadConfigObject } from '../../src/config/index.ts';
import {
  filterRequestHeaders,
  sessionCredentialStripper,
  withoutCookies,
} from '../../src/upstream/headers.ts';
import {
  SECRET,
  startGatewayStack,
  startUpstream,
  type Stack,
  type Upstream,
} from '../support/gateway-stack.ts';

const OTHER_SECRET = 'other-upstream-secret-0123456789abcdef';
let stack: Stack;
let other: Upstream;
let token: string;

before(async () => {
  other = await startUpstream();
  stack = await startGatewayStack({
    rules: [
      { id: 'app', path: '/app/**', mode: 'optional' },
      { id: 'other', path: '/other/**', mode: 'optional', upstream: { url: other.url } },
    ],
    upstreamSecrets: { [other.url]: OTHER_SECRET },
    forwardSessionCredential: [other.url],
  });
  token = stack.kratos.addSession().token;
});
after(async () => {
  await stack.close();
  await other.close();
});

async function get(path: string, headers: Record<string, string>) {
  const res = await fetch(stack.url + path, { headers });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
}

const APP_COOKIES = 'theme=dark; app_sid="a=b%3D="';

test('the session cookie is stripped; the app’s own cookies arrive byte for byte', async () => {
  await get('/app/a', { cookie: `theme=dark; ory_kratos_session=${token}; app_sid="a=b%3D="` });
  const seen = stack.upstream.seen.at(-1)!;
  assert.equal(seen.headers.cookie, APP_COOKIES);
  assert.ok(seen.headers['x-user-id'], 'the edge still identified the user from the cookie');
});

test('a Cookie header with nothing but the session cookie does not arrive at all', async () => {
  await get('/app/b', { cookie: `ory_kratos_session=${token}` });
  assert.equal(stack.upstream.seen.at(-1)!.headers.cookie, undefined);
});

test('X-Session-Token and Authorization: Bearer ory_st_… are stripped', async () => {
  await get('/app/c', { 'x-session-token': token });
  assert.equal(stack.upstream.seen.at(-1)!.headers['x-session-token'], undefined);
  await get('/app/d', { authorization: `Bearer ${token}` });
  const seen = stack.upstream.seen.at(-1)!;
  assert.equal(seen.headers.authorization, undefined);
  assert.ok(seen.headers['x-user-id'], 'the edge still identified the user from the token');
});

test('the app’s own Authorization values pass', async () => {
  for (const value of ['Bearer app-api-key-123', 'Basic dXNlcjpwYXNz']) {
    await get('/app/e', { authorization: value });
    assert.equal(stack.upstream.seen.at(-1)!.headers.authorization, value);
  }
});

test('a WebSocket upgrade carries no session credential either', async () => {
  await new Promise<void>((resolve, reject) => {
    const req = request(`${stack.url}/app/ws`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        cookie: `ory_kratos_session=${token}; theme=dark`,
        'x-session-token': token,
        authorization: `Bearer ${token}`,
      },
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve();
    });
    req.on('response', () => reject(new Error('not upgraded')));
    req.on('error', reject);
    req.end();
  });
  const seen = stack.upstream.seen.at(-1)!;
  assert.equal(seen.url, '/app/ws');
  assert.equal(seen.headers.cookie, 'theme=dark');
  assert.equal(seen.headers['x-session-token'], undefined);
  assert.equal(seen.headers.authorization, undefined);
});

test('an upstream that opted in gets the credential; the other upstream still does not', async () => {
  const headers = { cookie: `ory_kratos_session=${token}; theme=dark`, 'x-session-token': token };
  await get('/other/x', headers);
  const opted = other.seen.at(-1)!;
  assert.equal(opted.headers.cookie, headers.cookie);
  assert.equal(opted.headers['x-session-token'], token);
  await get('/app/x', headers);
  const main = stack.upstream.seen.at(-1)!;
  assert.equal(main.headers.cookie, 'theme=dark');
  assert.equal(main.headers['x-session-token'], undefined);
});

test('the opt-in is a warning: logged by the gateway, and by the config loader', () => {
  const logged = stack.logs.find((l) => l.code === 'CONFIG_FORWARDS_SESSION_CREDENTIAL');
  assert.deepEqual(logged?.upstreams, [new URL(other.url).origin]);
  const { warnings } = loadConfigObject(
    {
      gateway: {
        forward_session_credential: true,
        upstream_secrets: [
          { upstream: other.url, header_secret: OTHER_SECRET, forward_session_credential: true },
          { upstream: 'http://third.internal', header_secret: SECRET },
        ],
      },
    },
    { env: {} },
  );
  assert.deepEqual(
    warnings.filter((w) => w.code === 'CONFIG_FORWARDS_SESSION_CREDENTIAL').map((w) => w.key),
    [
      'gateway.forward_session_credential',
      'gateway.upstream_secrets[0].forward_session_credential',
    ],
  );
});

test('a __Host- (or __Secure-) session cookie name is stripped too, other names kept', () => {
  const strip = sessionCredentialStripper('__Host-ory_kratos_session');
  const raw = [
    'Cookie',
    'a=1; __Host-ory_kratos_session=s; __Secure-ory_kratos_session=t; ory_kratos_session_x=2',
    'Cookie',
    'ory_kratos_session=u;b=3',
  ];
  assert.deepEqual(filterRequestHeaders(raw, { sessionCredential: strip }), [
    'Cookie',
    'a=1; ory_kratos_session_x=2',
    'Cookie',
    'b=3',
  ]);
  assert.deepEqual(filterRequestHeaders(raw, { sessionCredential: 'forward' }), raw);
});

/** The obvious reading: split on `;`, drop the named pairs, join the rest. */
function referenceWithout(header: string, names: ReadonlySet<string>): string {
  const parts = header.split(';');
  const kept = parts.filter((part) => {
    const eq = part.indexOf('=');
    return !names.has((eq === -1 ? part : part.slice(0, eq)).trim());
  });
  return kept.length === parts.length ? header : kept.join(';').replace(/^[ \t]+/, '');
}

test('withoutCookies removes exactly the named pairs and keeps every other byte', () => {
  const { names } = sessionCredentialStripper('ory_kratos_session');
  const name = fc.constantFrom(...names, 'a', 'x_ory_kratos_session', 'ory_kratos_session_2', '');
  const value = fc.string({
    unit: fc.constantFrom('a', '=', ' ', '\t', '"', '%', 'ory_kratos_session'),
  });
  const pair = fc.tuple(
    fc.constantFrom('', ' ', '\t '),
    name,
    fc.constantFrom('=', ' =', ''),
    value,
  );
  const header = fc
    .array(pair, { maxLength: 6 })
    .map((pairs) => pairs.map(([lead, n, eq, v]) => lead + n + eq + v).join(';'));
  fc.assert(
    fc.property(header, (h) => assert.equal(withoutCookies(h, names), referenceWithout(h, names))),
    { numRuns: 2000 },
  );
});

// Next.js middleware cross-site bypass: the edge refuses cookie-authenticated cross-site unsafe
// requests (403 CROSS_SITE_REQUEST), but an app in session mode without the edge in front relied on
// SameSite=Lax alone, which a sibling subdomain's POST passes. The middleware now applies the same check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextAuth } from '../../src/adapters/next.ts';
import type { Vestibule } from '../../src/app/vestibule.ts';

let checked = 0;
const acceptAll = {
  requireUser: async () => {
    checked++;
    return { user: { id: 'u1' }, response: undefined };
  },
  requireRole: async () => {
    checked++;
    return { user: { id: 'u1' }, response: undefined };
  },
} as unknown as Vestibule;

function request(method: string, headers: Record<string, string>, path = '/account'): Request {
  return new Request(`http://app.test${path}`, { method, headers });
}

test('a cross-site POST to a protected prefix is refused before the session is read', async () => {
  const mw = nextAuth(acceptAll).middleware([{ prefix: '/account' }]);
  checked = 0;
  const response = await mw(request('POST', { 'sec-fetch-site': 'cross-site' }));
  assert.equal(response?.status, 403);
  assert.equal(
    ((await response!.json()) as { error: { code: string } }).error.code,
    'CROSS_SITE_REQUEST',
  );
  assert.equal(checked, 0);
});

test('without Fetch Metadata, a foreign Origin on an unsafe method is refused; our own passes', async () => {
  const mw = nextAuth(acceptAll).middleware([{ prefix: '/account', roles: ['admin'] }]);
  const foreign = await mw(request('DELETE', { origin: 'https://evil.test' }));
  assert.equal(foreign?.status, 403);
  assert.equal(await mw(request('DELETE', { origin: 'http://app.test' })), undefined);
});

test('same-site, same-origin, safe methods and non-browser callers pass', async () => {
  const mw = nextAuth(acceptAll).middleware([{ prefix: '/account' }]);
  assert.equal(await mw(request('POST', { 'sec-fetch-site': 'same-origin' })), undefined);
  assert.equal(await mw(request('POST', { 'sec-fetch-site': 'same-site' })), undefined);
  assert.equal(await mw(request('GET', { 'sec-fetch-site': 'cross-site' })), undefined);
  assert.equal(await mw(request('POST', {})), undefined);
});

test('a WebSocket upgrade from another site is refused even on GET', async () => {
  const mw = nextAuth(acceptAll).middleware([{ prefix: '/account' }]);
  const response = await mw(
    request('GET', { 'sec-fetch-site': 'cross-site', upgrade: 'websocket' }),
  );
  assert.equal(response?.status, 403);
});

test('csrf: off opts a prefix out (webhooks); unprotected paths are not checked', async () => {
  const mw = nextAuth(acceptAll).middleware([{ prefix: '/hooks', csrf: 'off' }]);
  assert.equal(
    await mw(request('POST', { 'sec-fetch-site': 'cross-site' }, '/hooks/stripe')),
    undefined,
  );
  assert.equal(await mw(request('POST', { 'sec-fetch-site': 'cross-site' }, '/blog')), undefined);
});

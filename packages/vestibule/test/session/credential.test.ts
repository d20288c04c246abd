import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readCookie } from '../../src/lib/cookies.ts';
import { extractCredential } from '../../src/session/credential.ts';

const h = (init: Record<string, string>) => new Headers(init);

test('X-Session-Token wins over the cookie and the bearer token, as in Kratos', () => {
  const c = extractCredential(
    h({ 'x-session-token': 'tok', cookie: 'ory_kratos_session=c', authorization: 'Bearer b' }),
  );
  assert.deepEqual(c, { kind: 'token', value: 'tok' });
});

test('the session cookie wins over Authorization: Bearer', () => {
  const c = extractCredential(
    h({ cookie: 'a=1; ory_kratos_session=c', authorization: 'Bearer b' }),
  );
  assert.deepEqual(c, { kind: 'cookie', value: 'c' });
});

test('Authorization: Bearer is a session token (scheme is case-insensitive)', () => {
  assert.deepEqual(extractCredential(h({ authorization: 'bearer  abc ' })), {
    kind: 'token',
    value: 'abc',
  });
  assert.equal(extractCredential(h({ authorization: 'Basic abc' })), null);
  assert.equal(extractCredential(h({ authorization: 'Bearer a b' })), null);
});

test('no credential → null; empty values are not credentials', () => {
  assert.equal(extractCredential(h({})), null);
  assert.equal(extractCredential(h({ cookie: 'ory_kratos_session=' })), null);
  assert.equal(extractCredential(h({ 'x-session-token': '  ' })), null);
});

test('the session cookie is read as Kratos reads it: quotes removed, the first occurrence only', () => {
  const read = (cookie: string, authorization?: string) =>
    extractCredential(h({ cookie, ...(authorization ? { authorization } : {}) }))?.value ?? null;
  assert.equal(read('ory_kratos_session="abc"'), 'abc');
  assert.equal(read('ory_kratos_session=first; ory_kratos_session=second'), 'first');
  // An empty first occurrence is no cookie session for Kratos (it then tries the bearer token).
  assert.equal(read('ory_kratos_session=; ory_kratos_session=abc'), null);
  assert.equal(read('ory_kratos_session=""; ory_kratos_session=abc'), null);
  assert.equal(read('ory_kratos_session=; ory_kratos_session=abc', 'Bearer tok'), 'tok');
});

test('the cookie name is configurable and must match exactly', () => {
  const headers = h({ cookie: 'ory_kratos_session_x=1; my_session=2' });
  assert.deepEqual(extractCredential(headers, { cookieName: 'my_session' }), {
    kind: 'cookie',
    value: '2',
  });
  assert.equal(extractCredential(headers), null);
});

test('readCookie takes the first cookie of that name and unquotes', () => {
  assert.equal(readCookie('s="abc"; s=def', 's'), 'abc');
  assert.equal(readCookie('x=1;s=a=b', 's'), 'a=b');
});

test('readCookie never throws and never invents a value (property)', () => {
  fc.assert(
    fc.property(fc.string(), (header) => {
      const value = readCookie(header, 'ory_kratos_session');
      if (value !== null) assert.ok(header.includes(value));
    }),
  );
});

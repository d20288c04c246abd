import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loginRedirectOrRefusal } from '../../src/access/login-redirect.ts';
import { headersOf, loginInput as input, returnToBuilt } from '../support/login-redirect-input.ts';

const errorId = (body: string) => (JSON.parse(body) as { error: { code: string } }).error.code;

test('API clients get the refusal as JSON, never a redirect (401, or 403 for the second factor)', () => {
  returnToBuilt.calls = 0;
  const none = loginRedirectOrRefusal(input({ html: false }));
  assert.equal(none.status, 401);
  assert.equal(errorId(none.body), 'SESSION_REQUIRED');
  const aal2 = loginRedirectOrRefusal(input({ html: false, secondFactor: true }));
  assert.equal(aal2.status, 403);
  assert.equal(errorId(aal2.body), 'SESSION_AAL2_REQUIRED');
  assert.equal(returnToBuilt.calls, 0, 'no return_to is built for a refusal');
});

test('the login page is never redirected to itself (relative or absolute loginURL)', () => {
  returnToBuilt.calls = 0;
  for (const loginURL of ['/login', 'https://auth.example/login?x=1']) {
    const page = loginRedirectOrRefusal(input({ path: '/login', loginURL }));
    assert.equal(page.status, 401);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(page.body, /Please sign in to continue\./);
    const aal2 = loginRedirectOrRefusal(input({ path: '/login', loginURL, secondFactor: true }));
    assert.equal(aal2.status, 403);
  }
  assert.equal(returnToBuilt.calls, 0);
});

test('browsers get a 303 to login with return_to, aal=aal2 for the second factor, and a counter', () => {
  const plain = loginRedirectOrRefusal(input());
  assert.equal(plain.status, 303);
  assert.equal(
    plain.headers.location,
    `/login?return_to=${encodeURIComponent('https://app.example/notes?page=2')}`,
  );
  assert.match(
    String(plain.headers['set-cookie']),
    /^__Host-vestibule_login_redirects=1; Path=\/;.*; Secure$/,
  );
  const aal2 = loginRedirectOrRefusal(input({ secondFactor: true, loginURL: '/login?flow=x' }));
  assert.equal(
    aal2.headers.location,
    `/login?flow=x&aal=aal2&return_to=${encodeURIComponent('https://app.example/notes?page=2')}`,
  );
  const http = loginRedirectOrRefusal(input({ returnTo: () => 'http://app.test/notes' }));
  assert.match(String(http.headers['set-cookie']), /^vestibule_login_redirects=1;/);
  assert.doesNotMatch(String(http.headers['set-cookie']), /Secure/);
});

test('after 3 rounds the loop guard answers 401 session_not_visible instead of redirecting', () => {
  const headers = headersOf({ cookie: '__Host-vestibule_login_redirects=3' });
  for (const secondFactor of [false, true]) {
    const page = loginRedirectOrRefusal(input({ headers, secondFactor }));
    assert.equal(page.status, 401);
    assert.equal(page.headers.location, undefined);
    assert.match(page.body, /could not confirm your sign-in/);
  }
  const third = loginRedirectOrRefusal(
    input({ headers: headersOf({ cookie: '__Host-vestibule_login_redirects=2' }) }),
  );
  assert.equal(third.status, 303);
  assert.match(String(third.headers['set-cookie']), /^__Host-vestibule_login_redirects=3;/);
});

test('login URLs: same-origin paths or absolute http(s) URLs; protocol-relative and script URLs are refused at startup', async () => {
  const { isValidLoginURL } = await import('../../src/access/login-redirect.ts');
  const { createGateway } = await import('../../src/gateway/index.ts');
  for (const good of ['/login', '/auth/login?x=1', 'https://auth.example.com/login']) {
    assert.equal(isValidLoginURL(good), true, good);
  }
  for (const bad of [
    '//evil.example/login',
    '/\\evil.example/login',
    'javascript:alert(1)',
    'login',
    '',
    42,
  ]) {
    assert.equal(isValidLoginURL(bad), false, String(bad));
  }
  assert.throws(
    () =>
      createGateway({
        upstreamURL: 'http://127.0.0.1:1',
        kratosPublicURL: 'http://127.0.0.1:2',
        headerSecret: 'x'.repeat(40),
        loginURL: '//evil.example/login',
        rules: [],
      }),
    /loginURL must be a path/,
  );
});

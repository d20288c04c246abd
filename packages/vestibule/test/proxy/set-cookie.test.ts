import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rewriteSetCookie } from '../../src/proxy/set-cookie.ts';

const KRATOS_CSRF =
  'csrf_token_806060ca=nAiCb8QyXDlvdm3Kq7fA9xG6U6z0n2cP9WcY0u0aUvE=; Path=/; Domain=ory-kratos; Max-Age=31536000; HttpOnly; SameSite=Lax';

test('Domain is stripped (host-only) and the value kept byte for byte, padding included', () => {
  const out = rewriteSetCookie(KRATOS_CSRF, { secure: false });
  assert.equal(
    out,
    'csrf_token_806060ca=nAiCb8QyXDlvdm3Kq7fA9xG6U6z0n2cP9WcY0u0aUvE=; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax',
  );
});

test('Secure follows the public origin: added on https, removed on http', () => {
  assert.match(rewriteSetCookie('a=1; Path=/', { secure: true }), /; Secure$/);
  assert.equal(
    rewriteSetCookie('a=1; Path=/; secure; HttpOnly', { secure: false }),
    'a=1; Path=/; HttpOnly',
  );
});

test('a configured cookie domain replaces Kratos’s, except on __Host- cookies', () => {
  assert.equal(
    rewriteSetCookie('a=1; DOMAIN=ory-kratos; Path=/', {
      secure: false,
      cookieDomain: 'example.com',
    }),
    'a=1; Path=/; Domain=example.com',
  );
  assert.equal(
    rewriteSetCookie('__Host-a=1; Path=/; Secure', { secure: true, cookieDomain: 'example.com' }),
    '__Host-a=1; Path=/; Secure',
  );
});

test('SameSite=None without Secure would be dropped by browsers: it becomes Lax on http', () => {
  assert.equal(
    rewriteSetCookie('a=1; Path=/; SameSite=None', { secure: false }),
    'a=1; Path=/; SameSite=Lax',
  );
  assert.equal(
    rewriteSetCookie('a=1; Path=/; SameSite=None', { secure: true }),
    'a=1; Path=/; SameSite=None; Secure',
  );
});

test('Path is always / on the app origin: Kratos’s own path, or none (the proxied directory), would hide the cookie from the app', () => {
  assert.equal(
    rewriteSetCookie('ory_kratos_session=abc; Path=/kratos; HttpOnly', { secure: false }),
    'ory_kratos_session=abc; Path=/; HttpOnly',
  );
  assert.equal(
    rewriteSetCookie('ory_kratos_session=abc; HttpOnly; path=/a; Path=/b', { secure: false }),
    'ory_kratos_session=abc; Path=/; HttpOnly',
  );
  assert.equal(
    rewriteSetCookie('ory_kratos_session=abc; HttpOnly', { secure: false }),
    'ory_kratos_session=abc; Path=/; HttpOnly',
  );
});

test('an expiring (logout) cookie keeps its Expires date with its comma', () => {
  const line =
    'ory_kratos_session=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly';
  assert.equal(rewriteSetCookie(line, { secure: false }), line);
});

const token = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
const cookieValue = fc.stringMatching(/^[A-Za-z0-9+/=_.%-]{0,40}$/);
const attribute = fc.oneof(
  fc.constantFrom('Path=/', 'Path=/kratos', 'path=/api'),
  fc.constant('HttpOnly'),
  fc.constantFrom('Secure', 'secure', 'SECURE'),
  fc.constantFrom('SameSite=Lax', 'SameSite=Strict', 'samesite=none'),
  token.map((d) => `Domain=${d}.example`),
  token.map((d) => `domain=.${d}`),
  fc.integer({ min: 0, max: 1e6 }).map((n) => `Max-Age=${n}`),
  fc.constant('Expires=Wed, 21 Oct 2037 07:28:00 GMT'),
);
const setCookie = fc
  .tuple(token, cookieValue, fc.array(attribute, { maxLength: 6 }))
  .map(([name, value, attrs]) => ({
    pair: `${name}=${value}`,
    line: [`${name}=${value}`, ...attrs].join('; '),
  }));
const options = fc.record({
  secure: fc.boolean(),
  cookieDomain: fc.option(fc.constantFrom('example.com', '.app.example'), { nil: undefined }),
});

test('property: name=value untouched; exactly the configured Domain; Secure iff https; idempotent', () => {
  fc.assert(
    fc.property(setCookie, options, ({ pair, line }, opts) => {
      const out = rewriteSetCookie(line, opts);
      const parts = out.split('; ');
      assert.equal(parts[0], pair);
      const domains = parts.filter((p) => /^domain=/i.test(p));
      assert.deepEqual(domains, opts.cookieDomain ? [`Domain=${opts.cookieDomain}`] : []);
      assert.equal(parts.filter((p) => /^secure$/i.test(p)).length, opts.secure ? 1 : 0);
      assert.deepEqual(
        parts.filter((p) => /^path=/i.test(p)),
        ['Path=/'],
      );
      assert.equal(rewriteSetCookie(out, opts), out);
    }),
    { numRuns: 500 },
  );
});

// Pure helpers that guard every flow: nosurf-style CSRF masking and the return_to allowlist.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { defaultConfig } from '../../src/config/index.ts';
import { KratosError } from '../../src/http/errors.ts';
import { CSRFProtection } from '../../src/selfservice/flow/csrf.ts';
import { checkReturnTo } from '../../src/selfservice/flow/return-to.ts';

const config = defaultConfig({
  selfservice: { allowed_return_urls: ['http://localhost:4000/', 'https://*.example.com/app'] },
});
const csrf = new CSRFProtection(config);

function withCookie(value: string): Request {
  return new Request('http://x/', { headers: { cookie: `${csrf.cookieName}=${value}` } });
}

test('the CSRF cookie name is csrf_token_<sha256 hex of the public base URL>', () => {
  assert.match(csrf.cookieName, /^csrf_token_[0-9a-f]{64}$/);
});

test('every masked token unmasks to the cookie secret; each rendering differs', () => {
  const issue = csrf.issue(new Request('http://x/'));
  assert.ok(issue.setCookie);
  const request = withCookie(issue.secret);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 20 }), (n) => {
      const tokens = Array.from({ length: n }, () => csrf.remask(issue.secret));
      assert.equal(new Set(tokens).size, n);
      return tokens.every((t) => csrf.submissionMatches(request, issue.secret, t));
    }),
  );
  assert.equal(csrf.issue(request).setCookie, undefined, 'an existing secret is reused');
});

test('forged, truncated or other-secret tokens never match', () => {
  const issue = csrf.issue(new Request('http://x/'));
  const other = csrf.issue(new Request('http://x/'));
  const request = withCookie(issue.secret);
  assert.equal(csrf.submissionMatches(request, issue.secret, other.masked), false);
  assert.equal(csrf.submissionMatches(withCookie(other.secret), issue.secret, issue.masked), false);
  assert.equal(csrf.submissionMatches(new Request('http://x/'), issue.secret, issue.masked), false);
  fc.assert(
    fc.property(
      fc.string({ maxLength: 200 }),
      (forged) => !csrf.submissionMatches(request, issue.secret, forged),
    ),
  );
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 64, maxLength: 64 }), (bytes) => {
      const token = Buffer.from(bytes).toString('base64');
      return token === issue.masked || !csrf.submissionMatches(request, issue.secret, token);
    }),
  );
});

test('return_to: allowed URLs and sub-paths pass, lookalikes are refused with the Kratos error id', () => {
  for (const ok of [
    'http://localhost:4000/',
    'http://localhost:4000/account?tab=1',
    '/relative/path',
    'https://shop.example.com/app/cart',
    'https://shop.example.com/app',
  ]) {
    assert.ok(checkReturnTo(config, ok), ok);
  }
  for (const bad of [
    'https://evil.example/',
    'http://localhost:4000.evil.example/',
    'http://localhost:4001/',
    'https://localhost:4000/',
    'https://example.com.evil.example/app',
    'https://shop.example.com/application',
    'https://shop.example.com/',
    'javascript:alert(1)',
    '//evil.example/',
    'http://user:pass@localhost:4000/',
    'data:text/html,hi',
  ]) {
    assert.throws(
      () => checkReturnTo(config, bad),
      (e: unknown) =>
        e instanceof KratosError &&
        e.code === 400 &&
        e.id === 'self_service_flow_return_to_forbidden',
      bad,
    );
  }
  assert.equal(checkReturnTo(config, null), undefined);
});

test('return_to never yields a URL outside the allowlist (property)', () => {
  const hosts = ['localhost:4000', 'evil.example', 'shop.example.com', 'example.com', 'localhost'];
  fc.assert(
    fc.property(
      fc.constantFrom('http', 'https', 'ftp', 'javascript'),
      fc.constantFrom(...hosts),
      fc.webPath(),
      (scheme, host, path) => {
        const raw = `${scheme}://${host}${path}`;
        let out: string | undefined;
        try {
          out = checkReturnTo(config, raw);
        } catch {
          return true;
        }
        const url = new URL(out!);
        return (
          url.origin === 'http://localhost:4000' ||
          (url.protocol === 'https:' &&
            url.hostname.endsWith('.example.com') &&
            url.pathname.startsWith('/app')) ||
          url.origin === new URL(config.serve.public.base_url).origin
        );
      },
    ),
  );
});

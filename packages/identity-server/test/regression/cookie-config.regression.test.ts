// Issue 13: cookies as configured. Gaps this pins: session.cookie.same_site fell back to "Lax"
// instead of cookies.same_site; the CSRF cookie ignored cookies.same_site (Kratos x/nosurf.go uses
// it, forcing Lax only without Secure); a `__Host-`/`__Secure-` session cookie name could be
// emitted without the attributes its prefix demands (RFC 6265bis §4.1.3), which browsers drop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, defaultConfig } from '../../src/config/index.ts';
import { browserRegistrationCookies } from '../session/cookie-support.ts';

const HTTPS = { serve: { public: { base_url: 'https://auth.example.com/' } } };

test('cookies.same_site applies to the session cookie unless session.cookie.same_site is set', async () => {
  const inherited = await browserRegistrationCookies({ cookies: { same_site: 'Strict' } });
  assert.match(inherited.session, /; SameSite=Strict/);
  const own = await browserRegistrationCookies({
    cookies: { same_site: 'Strict' },
    session: { cookie: { same_site: 'None' } },
  });
  assert.match(own.session, /; Secure; SameSite=None/);
});

test('the CSRF cookie follows cookies.same_site, domain and path on https; plain http keeps it Lax', async () => {
  const { csrf } = await browserRegistrationCookies({
    ...HTTPS,
    cookies: { same_site: 'Strict', domain: 'example.com', path: '/' },
  });
  assert.match(csrf, /; SameSite=Strict/);
  assert.match(csrf, /; Domain=example\.com/);
  assert.match(csrf, /; Path=\//);
  assert.match(csrf, /; Secure/);
  const http = await browserRegistrationCookies({ cookies: { same_site: 'None' } });
  assert.match(http.csrf, /; SameSite=Lax/, 'SameSite=None needs Secure: Kratos forces Lax');
  assert.doesNotMatch(http.csrf, /; Secure/);
});

test('a __Host- session cookie is Secure, Path=/ and has no Domain, even on a plain-http base URL', async () => {
  const { session } = await browserRegistrationCookies({
    session: { cookie: { name: '__Host-vestibule_session' } },
  });
  assert.match(session, /^__Host-vestibule_session=/);
  assert.match(session, /; Path=\/;/);
  assert.match(session, /; Secure/);
  assert.doesNotMatch(session, /Domain=/i);
});

test('a __Secure- session cookie is always Secure', async () => {
  const { session } = await browserRegistrationCookies({
    session: { cookie: { name: '__Secure-vestibule_session' } },
  });
  assert.match(session, /; Secure/);
});

test('a __Host- name with a Domain or a Path other than / is refused at start-up, naming the key', () => {
  const host = { name: '__Host-s' };
  const refused = (overrides: Record<string, unknown>, key: string) =>
    assert.throws(
      () => defaultConfig(overrides),
      (err: unknown) => err instanceof ConfigError && err.key === key,
    );
  refused({ session: { cookie: { ...host, domain: 'example.com' } } }, 'session.cookie.domain');
  refused({ session: { cookie: host }, cookies: { domain: 'example.com' } }, 'cookies.domain');
  refused({ session: { cookie: { ...host, path: '/app' } } }, 'session.cookie.path');
  refused({ session: { cookie: host }, cookies: { path: '/app' } }, 'cookies.path');
  assert.doesNotThrow(() => defaultConfig({ session: { cookie: { ...host, path: '/' } } }));
});

// The session cookie follows session.cookie.* and the base URL's scheme, as Kratos's does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browserRegistrationCookies } from './cookie-support.ts';

const registerAndGetCookie = async (overrides: Record<string, unknown>) =>
  (await browserRegistrationCookies(overrides)).session;

test('default session cookie: HttpOnly, SameSite=Lax, Path=/, persistent, no Domain, not Secure on http', async () => {
  const cookie = await registerAndGetCookie({});
  assert.match(cookie, /; HttpOnly/);
  assert.match(cookie, /; SameSite=Lax/);
  assert.match(cookie, /; Path=\//);
  assert.match(cookie, /; Expires=/);
  assert.match(cookie, /; Max-Age=86400/);
  assert.doesNotMatch(cookie, /Domain=/i);
  assert.doesNotMatch(cookie, /; Secure/);
});

test('session.cookie name, domain, path, same_site and persistent=false are honoured; https base URL → Secure', async () => {
  const cookie = await registerAndGetCookie({
    serve: { public: { base_url: 'https://auth.example.com/' } },
    session: {
      lifespan: '2h',
      cookie: {
        name: 'my_session',
        domain: 'example.com',
        path: '/',
        same_site: 'Strict',
        persistent: false,
      },
    },
  });
  assert.match(cookie, /^my_session=ory_st_/);
  assert.match(cookie, /; Domain=example\.com/);
  assert.match(cookie, /; SameSite=Strict/);
  assert.match(cookie, /; Secure/);
  assert.doesNotMatch(
    cookie,
    /Expires=|Max-Age=/,
    'a non-persistent cookie is a browser-session cookie',
  );
});

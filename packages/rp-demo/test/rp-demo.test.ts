// The RP demo against the embedded OAuth2 server: what it sends out (PKCE S256, state, nonce, its
// session cookie), and what it refuses — a callback nobody started, a callback whose state is not
// the one it sent, refresh/revoke/logout without the session's CSRF token.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createOAuth2Server, parseConfig, type OAuth2Server } from '@vestibule/oauth2-server';
import { CookieJar } from 'tough-cookie';
import { startRPDemo, type RunningRPDemo } from '../src/index.ts';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

let server: OAuth2Server;
let rp: RunningRPDemo;
let issuer: string;
let admin: string;

before(async () => {
  const port = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  server = await createOAuth2Server({
    config: parseConfig(
      {
        dsn: 'memory',
        serve: { public: { host: '127.0.0.1', port }, admin: { host: '127.0.0.1', port: 0 } },
        urls: {
          self: { issuer },
          login: 'http://login.test/oauth2/login',
          consent: 'http://login.test/oauth2/consent',
          logout: 'http://login.test/oauth2/logout',
          error: 'http://login.test/oauth2/error',
        },
        secrets: { system: ['a-system-secret-of-32-characters!'] },
      },
      { dev: true },
    ),
  });
  const { adminURL } = await server.listen();
  admin = adminURL;
  const rpPort = await freePort();
  const base = `http://127.0.0.1:${rpPort}`;
  const created = await fetch(`${adminURL}/admin/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_id: 'rp-under-test',
      client_secret: 'a-client-secret-for-the-rp',
      redirect_uris: [`${base}/callback`],
      post_logout_redirect_uris: [`${base}/logged-out`],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access email profile notes.read',
    }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  rp = await startRPDemo({
    host: '127.0.0.1',
    port: rpPort,
    issuer,
    clientId: 'rp-under-test',
    clientSecret: 'a-client-secret-for-the-rp',
    notesAPI: 'http://127.0.0.1:9/api/notes',
  });
});
after(async () => {
  await rp?.close();
  await server?.close();
});

const get = (path: string, cookie?: string) =>
  fetch(`${rp.url}${path}`, { redirect: 'manual', headers: cookie ? { cookie } : {} });

async function startSignIn(): Promise<{ cookie: string; auth: URL }> {
  const res = await get('/login');
  assert.equal(res.status, 303);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0]!, auth: new URL(res.headers.get('location')!) };
}

describe('the RP demo', () => {
  test('sign-in goes to the issuer with PKCE S256, state, nonce and the registered redirect_uri; the session cookie is HttpOnly and SameSite=Lax', async () => {
    const res = await get('/login');
    const auth = new URL(res.headers.get('location')!);
    assert.equal(`${auth.origin}${auth.pathname}`, `${issuer}/oauth2/auth`);
    assert.equal(auth.searchParams.get('client_id'), 'rp-under-test');
    assert.equal(auth.searchParams.get('redirect_uri'), `${rp.url}/callback`);
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    assert.match(auth.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.ok((auth.searchParams.get('state') ?? '').length >= 22);
    assert.ok((auth.searchParams.get('nonce') ?? '').length >= 22);
    assert.equal(auth.searchParams.get('scope'), 'openid offline_access email profile notes.read');
    const cookie = res.headers.get('set-cookie') ?? '';
    assert.match(cookie, /^rp_demo_session=[\w-]{32};/);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.doesNotMatch(cookie, /; Secure/, 'an http RP cannot set a Secure cookie');
  });

  test('prompt=none is passed on only when asked for', async () => {
    const res = await get('/login?prompt=none');
    assert.equal(new URL(res.headers.get('location')!).searchParams.get('prompt'), 'none');
    const plain = await get('/login?prompt=login');
    assert.equal(new URL(plain.headers.get('location')!).searchParams.get('prompt'), null);
  });

  test('a callback nobody started in this browser is refused', async () => {
    const res = await get('/callback?code=x&state=y');
    assert.equal(res.status, 400);
  });

  test('a callback with another state signs nobody in, and the pending sign-in is used up', async () => {
    const { cookie } = await startSignIn();
    const res = await get('/callback?code=stolen-code&state=not-the-one-sent', cookie);
    assert.equal(res.status, 303);
    const home = await (await get('/', cookie)).text();
    assert.match(home, /Sign-in failed/);
    assert.doesNotMatch(home, /id="claims"/);
    // The real state cannot be replayed afterwards either: the pending sign-in is gone.
    assert.equal((await get('/callback?code=x&state=y', cookie)).status, 400);
  });

  test('an error from the server (login_required) is shown, as the server said it', async () => {
    const { cookie, auth } = await startSignIn();
    const state = auth.searchParams.get('state')!;
    await get(
      `/callback?error=login_required&state=${state}&iss=${encodeURIComponent(issuer)}`,
      cookie,
    );
    assert.match(await (await get('/', cookie)).text(), /Sign-in failed: login_required/);
  });

  test('refresh, revoke and logout need the session and its CSRF token', async () => {
    const { cookie } = await startSignIn();
    for (const path of ['/refresh', '/revoke']) {
      const res = await fetch(`${rp.url}${path}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'csrf=guessed',
      });
      assert.equal(res.status, 403, path);
    }
    assert.equal((await get('/logout?csrf=guessed', cookie)).status, 403);
    assert.equal((await get('/logout')).status, 403);
  });

  test('pages carry a CSP without scripts', async () => {
    const res = await get('/');
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.doesNotMatch(csp, /script-src/);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  });

  test('a whole sign-in as the login and consent apps would accept it: claims shown, the session id renewed', async () => {
    const { cookie, auth } = await startSignIn();
    // The issuer's side, its cookies kept: /oauth2/auth → login app → accept → consent → accept.
    const jar = new CookieJar();
    const hop = async (url: string) => {
      const res = await fetch(url, {
        redirect: 'manual',
        headers: { cookie: await jar.getCookieString(url) },
      });
      for (const line of res.headers.getSetCookie()) await jar.setCookie(line, url);
      return res.headers.get('location')!;
    };
    const accept = async (kind: 'login' | 'consent', location: string, body: unknown) => {
      const challenge = new URL(location).searchParams.get(`${kind}_challenge`)!;
      const res = await fetch(
        `${admin}/admin/oauth2/auth/requests/${kind}/accept?${kind}_challenge=${challenge}`,
        {
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
      );
      return ((await res.json()) as { redirect_to: string }).redirect_to;
    };
    const toLogin = await hop(auth.href);
    const toConsent = await hop(
      await accept('login', toLogin, { subject: 'user-7', remember: true }),
    );
    const callback = await hop(
      await accept('consent', toConsent, {
        grant_scope: ['openid', 'offline_access', 'email', 'notes.read'],
        session: { id_token: { email: 'seven@example.org', email_verified: true } },
      }),
    );
    assert.ok(callback.startsWith(`${rp.url}/callback?`), callback);

    const done = await get(new URL(callback).pathname + new URL(callback).search, cookie);
    assert.equal(done.status, 303);
    const renewed = (done.headers.get('set-cookie') ?? '').split(';')[0]!;
    assert.match(renewed, /^rp_demo_session=[\w-]{32}$/);
    assert.notEqual(renewed, cookie, 'the session id is renewed at sign-in');
    const page = await (await get('/', renewed)).text();
    assert.match(page, /Signed in\./);
    assert.match(page, /user-7/);
    assert.match(page, /seven@example\.org/);
    assert.match(page, /notes\.read/);
    assert.match(page, /the notes API is unreachable/, 'a down API is a line on the page');
    // The id the sign-in began with no longer reaches the signed-in session.
    assert.doesNotMatch(await (await get('/', cookie)).text(), /id="claims"/);
  });
});

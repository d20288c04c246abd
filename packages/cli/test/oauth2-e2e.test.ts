// OAuth2/OIDC end to end without a browser, on the whole `vestibule up` stack (embedded Kratos,
// embedded OAuth2 server, the edge as Hydra's login/consent/logout app): a relying party's code
// flow with PKCE → the edge's login (a Kratos browser login through the same-origin proxy) →
// the edge's consent page (form with CSRF) → callback → token exchange → id_token verified with
// jose against the JWKS → refresh → reuse detection → revocation → RP-initiated logout through the
// edge's confirmation page, which ends the Kratos session too.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { CookieJar } from 'tough-cookie';
import { createLogger } from 'vestibule/edge';
import { startStack, type RunningStack } from '../src/stack/stack.ts';
import { createProgress } from '../src/terminal/progress.ts';

const CALLBACK = 'http://127.0.0.1:5555/callback';
const PASSWORD = 'a-long-oauth2-test-password-4000';
let stack: RunningStack;
let client: { client_id: string; client_secret: string };

before(async () => {
  stack = await startStack({
    host: '127.0.0.1',
    ports: { edge: 0, app: 0, kratosPublic: 0, kratosAdmin: 0 },
    env: {},
    admin: { email: 'admin@example.com', password: 'oauth2-test-admin-4000' },
    identity: { bcryptCost: 4 },
    progress: createProgress(() => {}),
    logger: createLogger({ level: 'error', write: () => {} }),
  });
  // Started after the edge, in the background: up a moment later.
  await stack.oauth2Ready;
  const created = await fetch(`${stack.hydraAdminURL}/admin/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'Notes RP',
      redirect_uris: [CALLBACK],
      post_logout_redirect_uris: ['http://127.0.0.1:5555/bye'],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access email profile',
    }),
  });
  assert.equal(created.status, 201);
  client = (await created.json()) as typeof client;
});
after(() => stack?.stop());

/** A browser stand-in: one cookie jar across the edge and the OAuth2 server, redirects by hand. */
function newBrowser() {
  const jar = new CookieJar();
  const go = async (
    url: string,
    init: { method?: string; form?: Record<string, string>; json?: unknown; accept?: string } = {},
  ) => {
    const headers = new Headers({ accept: init.accept ?? 'text/html' });
    const cookie = await jar.getCookieString(url);
    if (cookie) headers.set('cookie', cookie);
    let body: string | undefined;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    } else if (init.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(init.json);
    }
    const res = await fetch(url, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    for (const line of res.headers.getSetCookie()) await jar.setCookie(line, url);
    return res;
  };
  return { jar, go };
}

function target(res: Response, base: string): string {
  const location = res.headers.get('location');
  assert.ok(location, `expected a redirect, got ${res.status}`);
  return new URL(location, base).href;
}

function field(html: string, name: string): string {
  const match = new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(html);
  assert.ok(match, `no ${name} in the page`);
  return match[1]!.replaceAll('&amp;', '&');
}

async function signUpAndIn(
  browser: ReturnType<typeof newBrowser>,
  returnTo: string,
): Promise<string> {
  const email = `rp-${randomUUID()}@example.com`;
  const created = await fetch(`${stack.kratosAdminURL!.replace(/\/$/, '')}/admin/identities`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      schema_id: 'default',
      traits: { email, name: { first: 'Ada', last: 'Lovelace' } },
      credentials: { password: { config: { password: PASSWORD } } },
      verifiable_addresses: [{ value: email, via: 'email', verified: true, status: 'completed' }],
    }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  // The edge's login page runs Kratos's browser login flow; a JSON client drives the same flow.
  const started = await browser.go(
    `${stack.edgeURL}/api/ory/self-service/login/browser?return_to=${encodeURIComponent(returnTo)}`,
    { accept: 'application/json' },
  );
  assert.equal(started.status, 200);
  const flow = (await started.json()) as {
    ui: { action: string; nodes: Array<{ attributes: { name?: string; value?: string } }> };
  };
  const csrf = flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')?.attributes.value;
  const done = await browser.go(flow.ui.action, {
    json: { method: 'password', identifier: email, password: PASSWORD, csrf_token: csrf },
    accept: 'application/json',
  });
  assert.equal(done.status, 200, await done.clone().text());
  return email;
}

async function token(form: Record<string, string>) {
  const res = await fetch(`${stack.hydraPublicURL}/oauth2/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
    },
    body: new URLSearchParams(form),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function introspect(value: string): Promise<boolean> {
  const res = await fetch(`${stack.hydraAdminURL}/admin/oauth2/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: value }),
  });
  return ((await res.json()) as { active: boolean }).active;
}

test('RP → /oauth2/auth → edge login → edge consent → code → tokens → refresh → reuse → revoke → RP-initiated logout', async () => {
  const browser = newBrowser();
  const verifier = randomBytes(32).toString('base64url');
  const auth = new URL(`${stack.hydraPublicURL}/oauth2/auth`);
  for (const [k, v] of Object.entries({
    client_id: client.client_id,
    response_type: 'code',
    redirect_uri: CALLBACK,
    scope: 'openid offline_access email profile',
    state: 'state-0123456789',
    nonce: 'nonce-0123456789',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }))
    auth.searchParams.set(k, v);

  // Hydra → the edge's /oauth2/login → no session: the edge's login page, returning here after.
  const toLoginApp = target(await browser.go(auth.href), auth.href);
  assert.ok(
    toLoginApp.startsWith(`${stack.edgeURL.replace('localhost', '127.0.0.1')}/oauth2/login?`) ||
      toLoginApp.startsWith(`${stack.edgeURL}/oauth2/login?`),
    toLoginApp,
  );
  const toLoginPage = target(await browser.go(toLoginApp), toLoginApp);
  const loginPage = new URL(toLoginPage);
  assert.equal(loginPage.pathname, '/login');
  const returnTo = loginPage.searchParams.get('return_to')!;
  assert.match(returnTo, /\/oauth2\/login\?login_challenge=/);
  const email = await signUpAndIn(browser, returnTo);

  // Back at /oauth2/login with a Kratos session: accepted, on to Hydra, then the consent page.
  const toHydra = target(await browser.go(returnTo), returnTo);
  const toConsent = target(await browser.go(toHydra), toHydra);
  assert.match(toConsent, /\/oauth2\/consent\?consent_challenge=/);
  const consentPage = await browser.go(toConsent);
  assert.equal(consentPage.status, 200);
  assert.match(consentPage.headers.get('content-security-policy') ?? '', /script-src 'nonce-/);
  const html = await consentPage.text();
  assert.match(html, /Notes RP/);
  assert.match(html, /See your email address/);
  const challenge = field(html, 'consent_challenge');
  const csrf = field(html, 'csrf_token');

  // A forged post (no CSRF token) is refused and loses nothing.
  const forged = await browser.go(`${stack.edgeURL}/oauth2/consent`, {
    form: { consent_challenge: challenge, action: 'accept' },
  });
  assert.equal(forged.status, 403);

  const consented = await browser.go(`${stack.edgeURL}/oauth2/consent`, {
    form: { consent_challenge: challenge, csrf_token: csrf, action: 'accept', remember: 'true' },
  });
  const toResume = target(consented, stack.edgeURL);
  const toCallback = await browser.go(toResume);
  assert.equal(toCallback.status, 303);
  const callback = new URL(target(toCallback, toResume));
  assert.equal(callback.origin + callback.pathname, CALLBACK);
  assert.equal(callback.searchParams.get('state'), 'state-0123456789');
  const code = callback.searchParams.get('code')!;

  const first = await token({
    grant_type: 'authorization_code',
    code,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
  });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.token_type, 'bearer');
  const jwks = createRemoteJWKSet(new URL(`${stack.hydraPublicURL}/.well-known/jwks.json`));
  const { payload } = await jwtVerify(first.body.id_token!, jwks, {
    issuer: stack.hydraPublicURL!,
    audience: client.client_id,
  });
  assert.equal(payload.nonce, 'nonce-0123456789');
  assert.equal(payload.email, email);
  assert.equal(payload.email_verified, true);
  assert.equal(payload.name, 'Ada Lovelace');
  assert.ok(payload.sid);
  const whoamiId = (
    (await (
      await browser.go(`${stack.edgeURL}/api/ory/sessions/whoami`, { accept: 'application/json' })
    ).json()) as { identity: { id: string } }
  ).identity.id;
  assert.equal(payload.sub, whoamiId, 'subject = the Kratos identity id');

  // Refresh, then reuse of the old refresh token revokes the family.
  const second = await token({
    grant_type: 'refresh_token',
    refresh_token: first.body.refresh_token!,
  });
  assert.equal(second.status, 200);
  assert.equal(
    (await token({ grant_type: 'refresh_token', refresh_token: first.body.refresh_token! })).status,
    400,
  );
  assert.equal(await introspect(second.body.access_token!), false);

  // A fresh authorization: remembered login and consent, no page shown.
  const again = new URL(auth);
  again.searchParams.set('state', 'state-again-0123');
  let url = again.href;
  for (let hop = 0; hop < 6 && !url.startsWith(CALLBACK); hop++)
    url = target(await browser.go(url), url);
  assert.ok(url.startsWith(CALLBACK), `skipped to the callback: ${url}`);
  const code2 = new URL(url).searchParams.get('code')!;
  const third = await token({
    grant_type: 'authorization_code',
    code: code2,
    redirect_uri: CALLBACK,
    code_verifier: verifier,
  });
  assert.equal(third.status, 200);

  // Revocation.
  const revoked = await fetch(`${stack.hydraPublicURL}/oauth2/revoke`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token: third.body.refresh_token! }),
  });
  assert.equal(revoked.status, 200);
  assert.equal(await introspect(third.body.refresh_token!), false);

  // RP-initiated logout → the edge's confirmation → Hydra → post_logout_redirect_uri; Kratos session ended.
  const logout = new URL(`${stack.hydraPublicURL}/oauth2/sessions/logout`);
  logout.searchParams.set('id_token_hint', third.body.id_token!);
  logout.searchParams.set('post_logout_redirect_uri', 'http://127.0.0.1:5555/bye');
  logout.searchParams.set('state', 'bye-state-1');
  const toLogoutApp = target(await browser.go(logout.href), logout.href);
  assert.match(toLogoutApp, /\/oauth2\/logout\?logout_challenge=/);
  const confirm = await (await browser.go(toLogoutApp)).text();
  const loggedOut = await browser.go(`${stack.edgeURL}/oauth2/logout`, {
    form: {
      logout_challenge: field(confirm, 'logout_challenge'),
      csrf_token: field(confirm, 'csrf_token'),
      action: 'accept',
    },
  });
  const toVerifier = target(loggedOut, stack.edgeURL);
  const bye = new URL(target(await browser.go(toVerifier), toVerifier));
  assert.equal(bye.origin + bye.pathname, 'http://127.0.0.1:5555/bye');
  assert.equal(bye.searchParams.get('state'), 'bye-state-1');
  const whoami = await browser.go(`${stack.edgeURL}/api/ory/sessions/whoami`, {
    accept: 'application/json',
  });
  assert.equal(whoami.status, 401, 'the Kratos session ended with the OAuth2 logout');
});

test("the edge's readiness includes the OAuth2 server's admin API", async () => {
  const res = await fetch(`${stack.edgeURL}/health/ready`);
  const body = (await res.json()) as { status: string; checks: Record<string, boolean> };
  assert.equal(body.checks.hydra, true);
});

test('errors from the OAuth2 server render on the edge error page with the request id', async () => {
  const browser = newBrowser();
  const auth = new URL(`${stack.hydraPublicURL}/oauth2/auth`);
  for (const [k, v] of Object.entries({
    client_id: client.client_id,
    response_type: 'code',
    redirect_uri: 'https://evil.example/cb',
    scope: 'openid',
    state: 'state-0123456789',
  }))
    auth.searchParams.set(k, v);
  const toError = target(await browser.go(auth.href), auth.href);
  assert.ok(!toError.startsWith('https://evil.example'), 'never the unregistered redirect_uri');
  assert.match(toError, /\/oauth2\/error\?error=/);
  const page = await browser.go(toError);
  assert.equal(page.status, 400);
  const html = await page.text();
  assert.match(html, new RegExp(page.headers.get('x-request-id')!));
  assert.doesNotMatch(html, /<script>alert/);
});

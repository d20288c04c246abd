// Issue 16 end to end in chromium: the "Sign in with Notes" relying party (openid-client) on the
// whole stack `npm start` runs — RP → /oauth2/auth → the edge's login page → the edge's consent
// page → RP callback (id_token verified by the RP, and here again with jose against the JWKS) →
// the notes API through the gateway with the access token → refresh → revoke (the API then says
// 401: the edge's introspection cache TTL is 1 ms here) → RP-initiated logout through the edge's
// confirmation page, which ends the Kratos session too. Then: prompt=none without a session
// comes back to the RP as login_required, and a remembered consent skips the consent page.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { createLogger } from 'vestibule/edge';
import { startStack, type RunningStack } from '../../src/stack/stack.ts';
import { createProgress } from '../../src/terminal/progress.ts';
import { RP_CLIENT_ID } from '../../src/stack/rp-part.ts';
import { browserSkipReason, launchBrowser, newContext } from '../support/browser.ts';

const skip = browserSkipReason();
const PASSWORD = 'a-long-rp-demo-test-password-4002';

describe('the RP demo in chromium through the whole stack', { skip }, () => {
  let stack: RunningStack;
  let browser: Browser;
  let rpURL: string;
  const errors: string[] = [];

  before(async () => {
    browser = await launchBrowser();
    stack = await startStack({
      host: '127.0.0.1',
      ports: { edge: 0, app: 0, kratosPublic: 0, kratosAdmin: 0 },
      // Introspection answers are kept 1 ms: a revoked token fails on the next API call.
      edgeConfig: { hydra: { introspection_cache_ttl: 1 } },
      env: {},
      admin: { email: 'admin@example.com', password: 'rp-demo-test-admin-4002' },
      identity: { bcryptCost: 4 },
      progress: createProgress(() => {}),
      logger: createLogger({ level: 'error', write: (line) => errors.push(line) }),
    });
    assert.ok(stack.rp, 'the stack runs the RP demo when it runs an OAuth2 server');
    await stack.rp.ready;
    rpURL = stack.rp.url;
  });
  after(async () => {
    await browser?.close();
    await stack?.stop();
    if (errors.length) console.log(`# stack error log:\n${errors.join('\n')}`);
  });

  async function newUser(): Promise<{ email: string; id: string }> {
    const email = `rp-${randomUUID()}@example.org`;
    const res = await fetch(`${stack.kratosAdminURL}/admin/identities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        schema_id: 'default',
        traits: { email, name: { first: 'Grace', last: 'Hopper' } },
        credentials: { password: { config: { password: PASSWORD } } },
        verifiable_addresses: [{ value: email, via: 'email', verified: true, status: 'completed' }],
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    return { email, id: ((await res.json()) as { id: string }).id };
  }

  /** Every URL the page's main frame loaded, to see which pages a sign-in went through. */
  function visited(page: Page): string[] {
    const urls: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) urls.push(frame.url());
    });
    return urls;
  }

  /** Every navigation request, redirects included (the hop to /oauth2/auth is never a page). */
  function requested(page: Page): string[] {
    const urls: string[] = [];
    page.on('request', (request) => {
      if (request.isNavigationRequest()) urls.push(request.url());
    });
    return urls;
  }

  async function passwordLogin(page: Page, email: string): Promise<void> {
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.has('flow'));
    await page.fill('input[name="identifier"]', email);
    await page.fill('input[name="password"]', PASSWORD);
    await page.click('button[name="method"][value="password"]');
  }

  const status = (page: Page) => page.locator('#notes-status').textContent();
  const flash = (page: Page) => page.locator('.flash').textContent();

  test('sign in, verified claims, notes API with the access token, refresh, revoke, RP-initiated logout', async () => {
    const user = await newUser();
    const context = await newContext(browser, rpURL);
    const page = await context.newPage();

    // A note to read back, written through the edge with the session the sign-in creates.
    await page.goto('/');
    const urls = requested(page);
    await page.click('#sign-in');
    await passwordLogin(page, user.email);
    await page.waitForURL(/\/oauth2\/consent\?consent_challenge=/);
    assert.match(await page.content(), /Notes RP \(demo\)/);
    await page.click('button[name="action"][value="accept"]');
    await page.waitForURL(`${rpURL}/`);
    assert.equal(await flash(page), 'Signed in.');
    const auth = new URL(urls.find((u) => u.includes('/oauth2/auth?'))!);
    assert.equal(auth.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(auth.searchParams.get('state') && auth.searchParams.get('nonce'));
    assert.equal(auth.searchParams.get('client_id'), RP_CLIENT_ID);

    // The id_token, verified again here: signature against the issuer's JWKS, issuer, audience.
    const idToken = (await page.locator('#id-token').textContent()) ?? '';
    const jwks = createRemoteJWKSet(new URL(`${stack.hydraPublicURL}/.well-known/jwks.json`));
    const { payload, protectedHeader } = await jwtVerify(idToken, jwks, {
      issuer: stack.hydraPublicURL!,
      audience: RP_CLIENT_ID,
    });
    assert.equal(protectedHeader.alg, 'RS256');
    assert.equal(payload.sub, user.id, 'subject = the Kratos identity id');
    assert.equal(payload.email, user.email);
    assert.equal(payload.nonce, auth.searchParams.get('nonce'));
    assert.ok(payload.sid);
    assert.match((await page.locator('#claims').textContent()) ?? '', new RegExp(user.id));

    // The notes API through the gateway with the access token: empty, then the note written
    // through the notes app with the Kratos session (same user).
    assert.equal(await status(page), 'API answered 200');
    const edge = await context.newPage();
    await edge.goto(`${stack.edgeURL}/account`);
    await edge.fill('input[name="title"]', 'Read by the RP');
    await Promise.all([edge.waitForLoadState(), edge.click('button:has-text("Add note")')]);
    await edge.close();
    await page.reload();
    assert.equal(await page.locator('#notes li').first().textContent(), 'Read by the RP');

    await page.click('#refresh');
    await page.waitForURL(`${rpURL}/`);
    assert.equal(await flash(page), 'Tokens refreshed.');
    assert.equal(await status(page), 'API answered 200');

    await page.click('#revoke');
    await page.waitForURL(`${rpURL}/`);
    assert.equal(await flash(page), 'Access token revoked.');
    assert.match((await status(page)) ?? '', /^API answered 401: Bearer error="invalid_token"/);

    // RP-initiated logout: the edge asks, then the browser lands on the RP's post-logout page.
    const session = (await context.cookies(stack.edgeURL)).find(
      (c) => c.name === 'ory_kratos_session',
    );
    assert.ok(session, 'a Kratos session from the sign-in');
    await page.click('#sign-out');
    await page.waitForURL(/\/oauth2\/logout\?logout_challenge=/);
    await page.click('button[name="action"][value="accept"]');
    await page.waitForURL((url) => `${url.origin}${url.pathname}` === `${rpURL}/logged-out`);
    assert.ok(await page.locator('#signed-out').isVisible());
    const whoami = await fetch(`${stack.kratosPublicURL}/sessions/whoami`, {
      headers: { cookie: `ory_kratos_session=${session.value}` },
    });
    assert.equal(whoami.status, 401, 'the Kratos session ended with the logout');
    await page.goto('/');
    assert.ok(await page.locator('#sign-in').isVisible(), 'the RP session is gone too');
    await context.close();
  });

  test('prompt=none without a session returns login_required to the RP', async () => {
    const context = await newContext(browser, rpURL);
    const page = await context.newPage();
    await page.goto('/');
    await page.click('#sign-in-silently');
    await page.waitForURL(`${rpURL}/`);
    assert.match((await flash(page)) ?? '', /^Sign-in failed: login_required/);
    await context.close();
  });

  test('a remembered consent skips the consent page on the next sign-in', async () => {
    const user = await newUser();
    const context = await newContext(browser, rpURL);
    const page = await context.newPage();
    await page.goto('/');
    await page.click('#sign-in');
    await passwordLogin(page, user.email);
    await page.waitForURL(/\/oauth2\/consent\?consent_challenge=/);
    // "Remember my decision" is checked by default.
    assert.equal(await page.isChecked('input[name="remember"]'), true);
    await page.click('button[name="action"][value="accept"]');
    await page.waitForURL(`${rpURL}/`);

    // A new RP session in the same browser: login and consent remembered, no page shown.
    await context.clearCookies({ domain: new URL(rpURL).hostname, name: 'rp_demo_session' });
    await page.goto('/');
    const urls = visited(page);
    await page.click('#sign-in');
    await page.waitForURL(`${rpURL}/`);
    assert.equal(await flash(page), 'Signed in.');
    assert.ok(
      !urls.some((u) => u.includes('/oauth2/consent') || new URL(u).pathname === '/login'),
      `no login or consent page: ${urls.join(' → ')}`,
    );
    await context.close();
  });
});

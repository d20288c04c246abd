// Issue 13 ("Secure by default"), end to end in chromium through the whole demo stack: browser A is
// signed in; browser B recovers the same account with the code from the dev mailbox (and, in the
// second test, changes the password in settings) → A is signed out. The identity server revokes A's
// session (revoke_active_sessions, on by default); the edge must not keep serving it from its
// session cache. A's session is first asked of the identity server itself (whoami → 401), then of
// the edge (/account, a `required` route → redirect to /login).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import {
  browserSkipReason,
  launchBrowser,
  newContext,
  newUser,
  signIn,
  signUp,
  startTestStack,
  type TestStack,
} from '../support/browser.ts';

const skip = browserSkipReason();

describe('other sessions end on recovery and on a password change', { skip }, () => {
  let test_: TestStack;
  let browser: Browser;
  let base: string;

  before(async () => {
    test_ = await startTestStack();
    base = test_.stack.edgeURL;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await test_?.stack.stop();
    if (test_?.errors.length) console.log(`# stack error log:\n${test_.errors.join('\n')}`);
  });

  async function fresh(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await newContext(browser, base);
    return { context, page: await context.newPage() };
  }

  async function submitAndLand(page: Page, method: string, url: string | RegExp) {
    await Promise.all([
      page.waitForURL(url),
      page.click(`button[name="method"][value="${method}"]`),
    ]);
  }

  /** Recovers the account in `page` with the newest code in the dev mailbox; lands on settings. */
  async function recover(context: BrowserContext, page: Page, email: string) {
    await page.goto('/recovery');
    await page.fill('input[name="email"]', email);
    await Promise.all([page.waitForLoadState(), page.click('button[name="method"][value="code"]')]);
    const mailbox = await context.newPage();
    await mailbox.goto(`/dev/mailbox?recipient=${encodeURIComponent(email)}`);
    const row = mailbox.locator('tbody tr', { hasText: /recover/ }).first();
    const code = (await row.locator('mark.code').textContent())?.trim() ?? '';
    assert.match(code, /^\d{6}$/, `a recovery code for ${email} in the dev mailbox`);
    await mailbox.close();
    await page.fill('input[name="code"]', code);
    await submitAndLand(page, 'code', /\/settings\?flow=/);
  }

  /** The identity server's own answer for the browser's session cookie. */
  async function kratosWhoami(context: BrowserContext): Promise<number> {
    const cookie = (await context.cookies()).find((c) => c.name === 'ory_kratos_session');
    assert.ok(cookie, 'a session cookie in the browser');
    const res = await fetch(`${test_.stack.kratosPublicURL}/sessions/whoami`, {
      headers: { cookie: `ory_kratos_session=${cookie.value}` },
    });
    return res.status;
  }

  /** A signed-in browser A whose session the edge has validated (and cached). */
  async function signedInA(user: { email: string; password: string }) {
    const a = await fresh();
    await signIn(a.page, user.email, user.password);
    await a.page.goto('/account');
    assert.equal(new URL(a.page.url()).pathname, '/account', 'A is signed in');
    return a;
  }

  async function assertSignedOut(a: { context: BrowserContext; page: Page }) {
    assert.equal(await kratosWhoami(a.context), 401, "the identity server revoked A's session");
    await a.page.goto('/account');
    assert.equal(new URL(a.page.url()).pathname, '/login', 'the edge sends A to sign in');
  }

  test("B recovers the account → A's session is revoked, B's recovery session stays", async () => {
    const user = newUser();
    const setup = await fresh();
    await signUp(setup.page, user);
    await setup.context.close();
    const a = await signedInA(user);

    const b = await fresh();
    await recover(b.context, b.page, user.email);
    assert.equal(await kratosWhoami(b.context), 200, "B's recovery session stays");
    await assertSignedOut(a);
    await b.page.goto('/account');
    assert.equal(new URL(b.page.url()).pathname, '/account', 'B stays signed in');
    await a.context.close();
    await b.context.close();
  });

  test("B changes the password in settings → A's session is revoked, B stays", async () => {
    const user = newUser();
    const b = await fresh();
    await signUp(b.page, user);
    const a = await signedInA(user);

    await b.page.goto('/settings');
    assert.match(b.page.url(), /\/settings\?flow=[0-9a-f-]{36}$/);
    await b.page.fill('input[name="password"]', `${user.password}-changed`);
    await Promise.all([
      b.page.waitForLoadState(),
      b.page.click('button[name="method"][value="password"]'),
    ]);
    assert.match(await b.page.content(), /Your changes have been saved!/);
    assert.equal(await kratosWhoami(b.context), 200, "B's session stays");
    await assertSignedOut(a);
    await a.context.close();
    await b.context.close();
  });
});

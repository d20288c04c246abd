// The account lifecycle in a real browser through the edge: forgot password → code from the dev
// mailbox page → new password → sign in with it; register → verify with the mailed code; change
// name and password in settings; another browser's session is refused after the password change
// (the stack runs with Kratos's revoke_active_sessions hook on settings).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext, Page } from 'playwright-core';
import {
  browserSkipReason,
  useBrowserStack,
  identityOf,
  newUser,
  screenshotPath,
  signIn,
  signUp,
  submitVerificationCode,
} from '../support/browser.ts';

const skip = browserSkipReason();

describe('account lifecycle in chromium', { skip }, () => {
  const t = useBrowserStack({
    kratosOverrides: {
      selfservice: {
        flows: {
          settings: { after: { password: { hooks: [{ hook: 'revoke_active_sessions' }] } } },
        },
      },
    },
  });

  /** Reads the newest code mailed to `email` whose subject matches, from the edge's /dev/mailbox. */
  async function mailedCode(page: Page, email: string, subject: RegExp): Promise<string> {
    await page.goto(`/dev/mailbox?recipient=${encodeURIComponent(email)}`);
    const row = page.locator('tbody tr', { hasText: subject }).first();
    const code = (await row.locator('mark.code').textContent())?.trim() ?? '';
    assert.match(code, /^\d{6}$/, `a code for ${email} in the dev mailbox`);
    return code;
  }

  test('forgot password: code from the dev mailbox, new password in settings, sign in with it', async () => {
    const user = newUser();
    const setup = await t.fresh();
    await signUp(setup.page, user);
    await setup.context.close();

    const { context, page } = await t.fresh();
    await page.goto('/recovery');
    assert.match(page.url(), /\/recovery\?flow=[0-9a-f-]{36}$/);
    await page.fill('input[name="email"]', user.email);
    await Promise.all([page.waitForLoadState(), page.click('button[name="method"][value="code"]')]);
    const recoveryURL = page.url();
    assert.ok(await page.isVisible('input[name="code"]'), 'the code form after sending the mail');
    await page.screenshot({ path: screenshotPath('recovery-sent'), fullPage: true });

    const mailbox = await context.newPage();
    const code = await mailedCode(mailbox, user.email, /recover/);
    await mailbox.screenshot({ path: screenshotPath('dev-mailbox'), fullPage: true });
    await mailbox.close();

    assert.equal(page.url(), recoveryURL);
    await page.fill('input[name="code"]', code);
    await Promise.all([
      page.waitForURL(/\/settings\?flow=/),
      page.click('button[name="method"][value="code"]'),
    ]);
    await page.screenshot({ path: screenshotPath('settings-after-recovery'), fullPage: true });
    const newPassword = `${user.password}-renewed`;
    await page.fill('input[name="password"]', newPassword);
    await Promise.all([
      page.waitForLoadState(),
      page.click('button[name="method"][value="password"]'),
    ]);
    assert.match(await page.content(), /Your changes have been saved!/);
    await context.close();

    const again = await t.fresh();
    await signIn(again.page, user.email, newPassword);
    assert.equal(await again.page.textContent('[data-testid="greeting"]'), `Hello, ${user.email}!`);
    await again.context.close();
  });

  test('register, then verify the email with the mailed code: verified: true', async () => {
    const user = newUser();
    const { context, page } = await t.fresh();
    await signUp(page, user);
    assert.equal((await identityOf(t.stack, user.email)).verifiable_addresses[0]?.verified, false);
    await page.goto('/verification');
    await page.fill('input[name="email"]', user.email);
    await Promise.all([page.waitForLoadState(), page.click('button[name="method"][value="code"]')]);
    const verificationURL = page.url();
    const mailbox = await context.newPage();
    const code = await mailedCode(mailbox, user.email, /verify/);
    await mailbox.close();
    assert.equal(page.url(), verificationURL);
    await page.fill('input[name="code"]', code);
    await submitVerificationCode(page, t.stack, user.email);
    await page.screenshot({ path: screenshotPath('verification-done'), fullPage: true });
    await context.close();
  });

  test('settings: change the name and the password; another signed-in browser is signed out', async () => {
    const user = newUser();
    const first = await t.fresh();
    await signUp(first.page, user);
    const second = await t.fresh();
    await signIn(second.page, user.email, user.password);
    // The edge has the second browser's session in its cache now.
    await second.page.goto('/account');
    assert.equal(new URL(second.page.url()).pathname, '/account');

    const { page } = first;
    await page.goto('/settings');
    assert.match(page.url(), /\/settings\?flow=[0-9a-f-]{36}$/);
    await page.fill('input[name="traits.name.first"]', 'Grace');
    await Promise.all([
      page.waitForLoadState(),
      page.click('button[name="method"][value="profile"]'),
    ]);
    assert.match(await page.content(), /Your changes have been saved!/);
    assert.equal((await identityOf(t.stack, user.email)).traits.name?.first, 'Grace');

    const newPassword = `${user.password}-settings`;
    await page.fill('input[name="password"]', newPassword);
    await Promise.all([
      page.waitForLoadState(),
      page.click('button[name="method"][value="password"]'),
    ]);
    assert.match(await page.content(), /Your changes have been saved!/);
    await page.screenshot({ path: screenshotPath('settings-saved'), fullPage: true });

    // Asked of the identity server itself, and then of the edge: its session cache must not
    // serve the revoked session (a settings submit through the proxy evicts the identity's).
    const kratosWhoami = async (context: BrowserContext) => {
      const cookie = (await context.cookies()).find((c) => c.name === 'ory_kratos_session');
      assert.ok(cookie, 'a session cookie in the browser');
      const res = await fetch(`${t.stack.kratosPublicURL}/sessions/whoami`, {
        headers: { cookie: `ory_kratos_session=${cookie.value}` },
      });
      return res.status;
    };
    assert.equal(
      await kratosWhoami(first.context),
      200,
      'the browser that changed it stays signed in',
    );
    assert.equal(await kratosWhoami(second.context), 401, 'the other session was revoked');
    await second.page.goto('/account');
    assert.equal(new URL(second.page.url()).pathname, '/login', 'the edge refuses it at once');
    await page.goto('/account');
    assert.equal(new URL(page.url()).pathname, '/account', 'the current browser stays in');
    await first.context.close();
    await second.context.close();
  });
  // Last in the suite: it moves the identity server's clock past the privileged window.
  test('settings after the privileged window: re-authenticate, and the new password is saved', async () => {
    const user = newUser();
    const { context, page } = await t.fresh();
    await signUp(page, user);
    const other = await t.fresh();
    await signIn(other.page, user.email, user.password);
    await other.page.goto('/account'); // cached at the edge
    await page.goto('/settings');
    t.clock.advance(16 * 60_000); // settings.privileged_session_max_age is 15m by default
    const newPassword = `${user.password}-after-refresh`;
    await page.fill('input[name="password"]', newPassword);
    await Promise.all([
      page.waitForURL(/\/login\?flow=/),
      page.click('button[name="method"][value="password"]'),
    ]);
    await page.screenshot({ path: screenshotPath('settings-refresh-login'), fullPage: true });
    // Nothing is changed yet: the other browser is still in (and cached at the edge again).
    await other.page.goto('/account');
    assert.equal(new URL(other.page.url()).pathname, '/account');
    if (await page.isVisible('input[name="identifier"]')) {
      await page.fill('input[name="identifier"]', user.email);
    }
    await page.fill('input[name="password"]', user.password);
    await Promise.all([
      page.waitForURL(/\/settings\?flow=/),
      page.click('button[name="method"][value="password"]'),
    ]);
    assert.match(await page.content(), /Your changes have been saved!/);
    await context.close();
    // The change was applied on the way back from the login (GET), and revoked the other session.
    await other.page.goto('/account');
    assert.equal(new URL(other.page.url()).pathname, '/login', 'the other browser is out');
    await other.context.close();

    const again = await t.fresh();
    await signIn(again.page, user.email, newPassword);
    assert.equal(await again.page.textContent('[data-testid="greeting"]'), `Hello, ${user.email}!`);
    await again.context.close();
  });
});

// Issue 12 in chromium through the whole demo stack: five wrong passwords on the login page, and
// the page says "too many attempts, try again in 15 minutes"; the right password is then refused
// too (the lock holds), and the lock is the same for an address that has no account.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  browserSkipReason,
  fillLogin,
  newUser,
  signUp,
  useBrowserStack,
} from '../support/browser.ts';

const skip = browserSkipReason();
const LOCKED = /Too many attempts\. Please try again in 15 minutes\./;

describe('login lockout in the browser', { skip }, () => {
  const t = useBrowserStack();

  async function wrongPassword(page: Page, email: string, attempt: number): Promise<void> {
    await fillLogin(page, email, `Not-the-password-${attempt}`);
    await Promise.all([
      page.waitForURL(/\/login\?flow=/),
      page.click('button[name="method"][value="password"]'),
    ]);
  }

  for (const known of [true, false]) {
    test(`five wrong passwords show the lockout message (${known ? 'known' : 'unknown'} address)`, async () => {
      const user = newUser();
      if (known) {
        const signup = await t.fresh();
        await signUp(signup.page, user);
        await signup.context.close();
      }
      const { context, page } = await t.fresh();
      await page.goto('/login');
      for (let i = 1; i <= 4; i++) {
        await wrongPassword(page, user.email, i);
        assert.doesNotMatch(await page.locator('body').innerText(), LOCKED);
      }
      await wrongPassword(page, user.email, 5);
      assert.match(await page.locator('.flow-messages').innerText(), LOCKED);
      // The right password does not pass the lock.
      await fillLogin(page, user.email, user.password);
      await Promise.all([
        page.waitForURL(/\/login\?flow=/),
        page.click('button[name="method"][value="password"]'),
      ]);
      assert.match(await page.locator('.flow-messages').innerText(), LOCKED);
      const session = (await context.cookies()).find((c) => c.name === 'ory_kratos_session');
      assert.equal(session, undefined, 'no session while locked');
      await context.close();
    });
  }
});

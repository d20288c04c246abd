// Links in the mail the identity server sends must reach the browser on the edge's public origin,
// through the same-origin proxy — never on the identity server's own port, which a browser in front
// of a real deployment cannot reach. The whole `vestibule up` stack (startStack) with recovery by link:
// a person opens the dev mailbox, clicks the link in the message, and the flow completes in chromium.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import {
  browserSkipReason,
  useBrowserStack,
  identityOf,
  newUser,
  signUp,
  submitVerificationCode,
} from '../support/browser.ts';

const skip = browserSkipReason();

describe('links in mail from the dev stack', { skip }, () => {
  const t = useBrowserStack({
    // `use: link` needs the link method enabled: a disabled method's submit is 404, as in Kratos.
    kratosOverrides: {
      selfservice: { methods: { link: { enabled: true } }, flows: { recovery: { use: 'link' } } },
    },
  });

  /**
   * Opens the newest mail to `email` whose subject matches in the edge's dev mailbox and returns the
   * link in its body, after checking it is on the edge's origin under the proxy's prefix.
   */
  async function openMailLink(page: Page, email: string, subject: RegExp, path: string) {
    await page.goto(`/dev/mailbox?recipient=${encodeURIComponent(email)}`);
    await Promise.all([
      page.waitForURL(/\/dev\/mailbox\/[0-9a-f-]{36}$/),
      page.locator('tbody tr', { hasText: subject }).first().locator('a').click(),
    ]);
    const link = page.locator('pre a').first();
    const href = (await link.getAttribute('href')) ?? '';
    const url = new URL(href);
    assert.equal(url.origin, t.base, `the mailed link ${href} is on the edge's origin`);
    assert.equal(url.pathname, `/api/ory${path}`, 'through the same-origin proxy');
    return { href, link };
  }

  test('the verification mail sent after registration: its link verifies the address', async () => {
    const user = newUser();
    const { context, page } = await t.fresh();
    await signUp(page, user);
    assert.equal((await identityOf(t.stack, user.email)).verifiable_addresses[0]?.verified, false);

    const { link } = await openMailLink(page, user.email, /verify/i, '/self-service/verification');
    await Promise.all([page.waitForURL(/\/verification\?flow=[0-9a-f-]{36}$/), link.click()]);
    assert.equal(new URL(page.url()).origin, t.base);
    // As in Kratos, opening the link fills the code in (a mail scanner following it uses nothing).
    assert.match(await page.inputValue('input[name="code"]'), /^\d{6}$/);
    assert.equal((await identityOf(t.stack, user.email)).verifiable_addresses[0]?.verified, false);
    await submitVerificationCode(page, t.stack, user.email);
    await context.close();
  });

  test('the recovery link signs in on the edge, opens settings, and the new password works', async () => {
    const user = newUser();
    const setup = await t.fresh();
    await signUp(setup.page, user);
    await setup.context.close();

    const { context, page } = await t.fresh();
    await page.goto('/recovery');
    await page.fill('input[name="email"]', user.email);
    await Promise.all([page.waitForLoadState(), page.click('button[name="method"][value="link"]')]);
    assert.match(await page.content(), /An email containing a recovery link has been sent/);

    const { href, link } = await openMailLink(
      page,
      user.email,
      /recover/i,
      '/self-service/recovery',
    );
    await Promise.all([page.waitForURL(/\/settings\?flow=[0-9a-f-]{36}$/), link.click()]);
    assert.equal(new URL(page.url()).origin, t.base);
    assert.match(await page.content(), /You successfully recovered your account/);
    // The session the link issued is the edge's own cookie: host-only on the edge, whole-site path.
    const session = (await context.cookies()).find((c) => c.name === 'ory_kratos_session');
    assert.ok(session, 'the recovery link signed the browser in');
    assert.equal(session.domain, new URL(t.base).hostname);
    assert.equal(session.path, '/');

    const newPassword = `${user.password}-from-link`;
    await page.fill('input[name="password"]', newPassword);
    await Promise.all([
      page.waitForLoadState(),
      page.click('button[name="method"][value="password"]'),
    ]);
    assert.match(await page.content(), /Your changes have been saved!/);
    await context.close();

    // The link is single-use: opened again (another browser), it starts over with 4060004.
    const other = await t.fresh();
    await other.page.goto(href);
    assert.match(other.page.url(), /\/recovery\?flow=[0-9a-f-]{36}$/);
    assert.match(
      await other.page.content(),
      /The recovery token is invalid or has already been used/,
    );
    await other.context.close();

    const again = await t.fresh();
    await again.page.goto('/login');
    await again.page.fill('input[name="identifier"]', user.email);
    await again.page.fill('input[name="password"]', newPassword);
    await Promise.all([
      again.page.waitForURL(`${t.base}/`),
      again.page.click('button[name="method"][value="password"]'),
    ]);
    assert.equal(await again.page.textContent('[data-testid="greeting"]'), `Hello, ${user.email}!`);
    await again.context.close();
  });

  test("no mail the stack sent names the identity server's own address", async () => {
    const res = await fetch(`${t.stack.kratosAdminURL}/admin/courier/messages?page_size=500`);
    const messages = (await res.json()) as Array<{ body: string; subject: string }>;
    assert.ok(messages.length >= 3, 'the earlier tests sent mail');
    const kratosHost = new URL(t.stack.kratosPublicURL).host;
    for (const m of messages) {
      assert.ok(!m.body.includes(kratosHost), `"${m.subject}" mentions ${kratosHost}`);
      for (const [href] of m.body.matchAll(/https?:\/\/[^\s"'<>]+/g)) {
        assert.equal(new URL(href).origin, t.base, `"${m.subject}" links to ${href}`);
      }
    }
  });
});

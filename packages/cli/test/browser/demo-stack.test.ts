// The demo stack in a real browser (Debian chromium via playwright-core): registration, staying
// signed in across reloads, logout, login, Kratos's wrong-password message, double submit, an
// expired flow, the whoami API, and the role-protected admin page.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { BrowserContext } from 'playwright-core';
import {
  browserSkipReason,
  useBrowserStack,
  fillLogin,
  newUser,
  screenshotPath,
  signUp,
  submitPassword,
} from '../support/browser.ts';

const skip = browserSkipReason();

describe('demo stack in chromium', { skip }, () => {
  const t = useBrowserStack();

  async function whoami(context: BrowserContext): Promise<unknown> {
    const res = await context.request.get('/api/whoami');
    assert.equal(res.status(), 200);
    return res.json();
  }

  test('register a new user, land signed in, stay signed in after a reload, then log out and back in', async () => {
    const { context, page } = await t.fresh();
    const user = newUser();
    await page.goto('/');
    assert.equal(await page.textContent('[data-testid="greeting"]'), 'Welcome to Notes');
    await page.screenshot({ path: screenshotPath('home-anonymous'), fullPage: true });
    await page.goto('/registration');
    await page.screenshot({ path: screenshotPath('registration'), fullPage: true });

    await signUp(page, user);
    assert.equal(await page.textContent('[data-testid="greeting"]'), `Hello, ${user.email}!`);
    await page.screenshot({ path: screenshotPath('home-signed-in'), fullPage: true });

    await page.reload();
    assert.equal(await page.textContent('[data-testid="greeting"]'), `Hello, ${user.email}!`);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'ory_kratos_session');
    assert.ok(session, 'the session cookie reached the browser through the proxy');
    assert.equal(session.domain, 'localhost', 'host-only cookie on the edge origin');
    assert.equal(session.httpOnly, true);

    await Promise.all([page.waitForURL(`${t.base}/`), page.click('[data-testid="logout"]')]);
    assert.equal(await page.textContent('[data-testid="greeting"]'), 'Welcome to Notes');
    assert.deepEqual(await whoami(context), { user: null });

    await page.goto('/login');
    assert.match(page.url(), /\/login\?flow=[0-9a-f-]{36}$/);
    await page.screenshot({ path: screenshotPath('login'), fullPage: true });
    await fillLogin(page, user.email, user.password);
    await submitPassword(page);
    assert.equal(await page.textContent('[data-testid="greeting"]'), `Hello, ${user.email}!`);
    await context.close();
  });

  test("a wrong password shows Kratos's own message and keeps the user on the login form", async () => {
    const { context, page } = await t.fresh();
    const user = newUser();
    await signUp(page, user);
    await context.clearCookies();

    await page.goto('/login');
    const flowURL = page.url();
    await fillLogin(page, user.email, 'Not-the-right-password-9');
    await Promise.all([
      page.waitForLoadState('load'),
      page.click('button[name="method"][value="password"]'),
    ]);
    await page.waitForSelector('[data-message-id="4000006"]');
    assert.equal(
      page.url(),
      flowURL,
      'the same flow is shown again, as Kratos redirects to ui_url?flow=<same id>',
    );
    const text = await page.textContent('[data-message-id="4000006"]');
    assert.match(text ?? '', /credentials are invalid/i);
    await page.screenshot({ path: screenshotPath('login-wrong-password'), fullPage: true });
    assert.deepEqual(await whoami(context), { user: null });

    await fillLogin(page, user.email, user.password);
    await submitPassword(page);
    assert.equal(await page.textContent('[data-testid="greeting"]'), `Hello, ${user.email}!`);
    await context.close();
  });

  test('a double click on submit signs in once, without a false "wrong password"', async () => {
    const { context, page } = await t.fresh();
    const user = newUser();
    await signUp(page, user);
    await context.clearCookies();

    await page.goto('/login');
    await fillLogin(page, user.email, user.password);
    await Promise.all([
      page.waitForURL(`${t.base}/`),
      page.dblclick('button[name="method"][value="password"]'),
    ]);
    assert.equal(await page.textContent('[data-testid="greeting"]'), `Hello, ${user.email}!`);
    assert.equal(await page.locator('[data-message-id="4000006"]').count(), 0);
    await context.close();
  });

  test('without JavaScript, two identical submits of one flow both end signed in (server-side guard)', async () => {
    const { context, page } = await t.fresh({ javaScriptEnabled: false });
    const user = newUser();
    await signUp(page, user);
    await context.clearCookies();

    await page.goto('/login');
    const form = page.locator('form[data-vestibule-form]').first();
    const action = await form.getAttribute('action');
    assert.ok(
      action?.startsWith(`${t.base}/api/ory/self-service/login?flow=`) ||
        action?.startsWith('/api/ory/self-service/login?flow='),
      `same-origin action: ${action}`,
    );
    const csrf = await page.inputValue('input[name="csrf_token"]');
    const body = new URLSearchParams({
      csrf_token: csrf,
      identifier: user.email,
      password: user.password,
      method: 'password',
    }).toString();
    const submit = () =>
      context.request.post(action!, {
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        data: body,
        maxRedirects: 0,
      });
    const [first, second] = await Promise.all([submit(), submit()]);
    for (const res of [first, second]) {
      assert.equal(res.status(), 303);
      assert.equal(
        res.headers().location,
        `${t.base}/`,
        'both land on the return URL, none on a failed flow',
      );
    }
    const me = (await whoami(context)) as { user: { email: string } | null };
    assert.equal(me.user?.email, user.email);
    await context.close();
  });

  test("an expired login flow restarts cleanly with Kratos's message, and the retry signs in", async () => {
    const { context, page } = await t.fresh();
    const user = newUser();
    await signUp(page, user);
    await context.clearCookies();

    await page.goto('/login');
    const firstFlow = new URL(page.url()).searchParams.get('flow');
    await fillLogin(page, user.email, user.password);
    t.clock.advance(2 * 60 * 60 * 1000); // past the 1h login lifespan, on Kratos's clock
    await Promise.all([
      page.waitForLoadState('load'),
      page.click('button[name="method"][value="password"]'),
    ]);
    await page.waitForURL(/\/login\?flow=/);
    const secondFlow = new URL(page.url()).searchParams.get('flow');
    assert.notEqual(secondFlow, firstFlow, 'a new flow replaced the expired one');
    const notice = await page.textContent('.messages');
    assert.match(notice ?? '', /expired/i);
    await page.screenshot({ path: screenshotPath('login-expired'), fullPage: true });

    await fillLogin(page, user.email, user.password);
    await submitPassword(page);
    assert.equal(await page.textContent('[data-testid="greeting"]'), `Hello, ${user.email}!`);
    await context.close();
  });

  test('a stale login form (CSRF cookie lost, then expired) restarts and still returns to /account', async () => {
    const { context, page } = await t.fresh();
    const user = newUser();
    await signUp(page, user);
    await context.clearCookies();
    const flowOf = () => new URL(page.url()).searchParams.get('flow');

    // /account → /login?return_to=… → Kratos → /login?flow=<id>: the return target is only in the flow.
    await page.goto('/account');
    assert.match(page.url(), /\/login\?flow=[0-9a-f-]{36}$/);
    const first = flowOf();
    // The browser loses Kratos's CSRF cookie (cleared, blocked, another tab): the fetch is refused.
    const kept = (await context.cookies()).filter((c) => !c.name.startsWith('csrf_token'));
    await context.clearCookies();
    await context.addCookies(kept);
    await page.reload();
    await page.waitForURL(/\/login\?flow=[0-9a-f-]{36}$/);
    const second = flowOf();
    assert.notEqual(second, first, 'restarted with a new flow');
    // Then that form sits past its lifespan (on Kratos's clock) and is reloaded: 410, restart again.
    t.clock.advance(2 * 60 * 60 * 1000);
    await page.reload();
    await page.waitForURL(/\/login\?flow=[0-9a-f-]{36}$/);
    assert.notEqual(flowOf(), second, 'restarted with a new flow');

    await fillLogin(page, user.email, user.password);
    await Promise.all([
      page.waitForURL(`${t.base}/account`),
      page.click('button[name="method"][value="password"]'),
    ]);
    assert.equal(await page.textContent('[data-testid="account-email"]'), user.email);
    await context.close();
  });

  test('a return_to Kratos does not allow: the login form comes back without it, saying why', async () => {
    const { context, page } = await t.fresh();
    // Kratos refuses the browser init and sends the browser to /error?id=…; the pages start over.
    await page.goto('/login?return_to=https%3A%2F%2Fevil.example%2F');
    await page.waitForURL(/\/login\?flow=[0-9a-f-]{36}$/);
    assert.match((await page.textContent('main')) ?? '', /not an allowed return address/);
    assert.equal(await page.locator('input[name="identifier"]').count(), 1);
    await context.close();
  });

  test('/api/whoami answers null anonymously and the user when signed in', async () => {
    const { context, page } = await t.fresh();
    assert.deepEqual(await whoami(context), { user: null });
    const user = newUser();
    await signUp(page, user);
    const me = (await whoami(context)) as { user: { id: string; email: string; role: string } };
    assert.match(me.user.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...me.user, id: 'x' }, { id: 'x', email: user.email, role: 'user' });
    await context.close();
  });

  test('the account page needs a session: anonymous → login → back to /account with notes', async () => {
    const { context, page } = await t.fresh();
    const user = newUser();
    await signUp(page, user);
    await context.clearCookies();

    await page.goto('/account');
    assert.match(page.url(), /\/login\?flow=/);
    await fillLogin(page, user.email, user.password);
    await Promise.all([
      page.waitForURL(`${t.base}/account`),
      page.click('button[name="method"][value="password"]'),
    ]);
    assert.equal(await page.textContent('[data-testid="account-email"]'), user.email);
    assert.equal(await page.textContent('[data-testid="account-role"]'), 'user');

    await page.fill('input[name="title"]', 'First <note> & "quotes"');
    await page.fill('textarea[name="body"]', '<script>alert(1)</script>');
    await Promise.all([page.waitForURL(`${t.base}/account`), page.click('text=Add note')]);
    assert.match(
      (await page.textContent('[data-testid="notes"]')) ?? '',
      /First <note> & "quotes"/,
    );
    assert.equal(
      await page.locator('[data-testid="notes"] script').count(),
      0,
      'note text is escaped',
    );
    await page.screenshot({ path: screenshotPath('account'), fullPage: true });

    const admin = await context.request.get('/admin', { headers: { accept: 'text/html' } });
    assert.equal(admin.status(), 403, 'a user without the admin role is refused');
    await context.close();
  });

  test('the seeded admin can open /admin', async () => {
    const { context, page } = await t.fresh();
    await page.goto('/login');
    await fillLogin(page, t.stack.admin.email, t.stack.admin.password);
    await submitPassword(page);
    await page.goto('/admin');
    assert.equal(await page.textContent('[data-testid="admin-title"]'), 'Admin');
    await page.screenshot({ path: screenshotPath('admin'), fullPage: true });
    const me = (await whoami(context)) as { user: { role: string } };
    assert.equal(me.user.role, 'admin');
    await context.close();
  });
});

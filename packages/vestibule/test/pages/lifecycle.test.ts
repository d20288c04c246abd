// Issue 5's page side over real sockets: recovery by emailed code lands on the settings page (Kratos's
// continue_with / redirect), settings shows its groups as separate forms, a new password and a profile
// change are saved through them, and verification by code completes — all on the embedded server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  formOf,
  mailedCode,
  startPagesStack,
  type Browser,
  type Stack,
} from '../support/pages-stack.ts';
import { scanTags } from '../support/pages-fixtures.ts';

let stack: Stack;
before(async () => {
  stack = await startPagesStack();
});
after(async () => {
  await stack?.close();
});

const EMAIL = `grace-${Date.now()}@example.com`;
const FIRST_PASSWORD = 'first correct horse battery';
const NEW_PASSWORD = 'second staple battery horse';

async function register(browser: Browser) {
  const page = await browser.open('/registration');
  const { action, fields } = formOf(await page.response.text());
  const res = await browser.go(action, {
    method: 'POST',
    form: { ...fields, 'traits.email': EMAIL, password: FIRST_PASSWORD, method: 'password' },
  });
  assert.equal(res.status, 303);
}

async function submitAndOpen(browser: Browser, action: string, form: Record<string, string>) {
  const res = await browser.go(action, { method: 'POST', form });
  assert.equal(res.status, 303, await res.clone().text());
  return browser.open(res.headers.get('location')!);
}

describe('account lifecycle pages on the embedded identity server', () => {
  test('recovery by code → settings (separate forms) → new password → sign in with it', async () => {
    await register(stack.newBrowser());
    const browser = stack.newBrowser();

    const recovery = await browser.open('/recovery');
    assert.equal(recovery.url.pathname, '/recovery');
    const start = formOf(await recovery.response.text());
    const sent = await submitAndOpen(browser, start.action, {
      ...start.fields,
      email: EMAIL,
      method: 'code',
    });
    assert.equal(sent.url.pathname, '/recovery');
    const sentHTML = await sent.response.text();
    assert.match(sentHTML, /name="code"/, 'code field shown after the email was sent');

    const enter = formOf(sentHTML);
    const code = await mailedCode(stack.kratosAdminURL, EMAIL, { template: 'recovery_code_valid' });
    const settings = await submitAndOpen(browser, enter.action, {
      ...enter.fields,
      code,
      method: 'code',
    });
    assert.equal(settings.url.pathname, '/settings', `landed on ${settings.hops.join(' → ')}`);
    const settingsHTML = await settings.response.text();
    const forms = scanTags(settingsHTML)
      .filter((t) => t.name === 'form')
      .map((t) => t.attrs.get('data-group'));
    assert.deepEqual(forms, ['profile', 'password'], 'one form per settings group');

    const pw = formOf(settingsHTML, 'password');
    assert.ok(pw.fields.csrf_token, 'each settings form carries the CSRF token');
    const saved = await submitAndOpen(browser, pw.action, {
      ...pw.fields,
      password: NEW_PASSWORD,
      method: 'password',
    });
    assert.equal(saved.url.pathname, '/settings');
    assert.match(await saved.response.text(), /message-success/);

    const fresh = stack.newBrowser();
    const login = await fresh.open('/login');
    const lf = formOf(await login.response.text());
    const signIn = await fresh.go(lf.action, {
      method: 'POST',
      form: { ...lf.fields, identifier: EMAIL, password: NEW_PASSWORD, method: 'password' },
    });
    assert.equal(signIn.status, 303);
    assert.equal(signIn.headers.get('location'), `${stack.edgeURL}/`);
  });

  test('settings: change the name through the profile form; the page shows it', async () => {
    const browser = stack.newBrowser();
    const login = await browser.open('/login');
    const lf = formOf(await login.response.text());
    await browser.go(lf.action, {
      method: 'POST',
      form: { ...lf.fields, identifier: EMAIL, password: NEW_PASSWORD, method: 'password' },
    });
    const settings = await browser.open('/settings');
    assert.equal(settings.url.pathname, '/settings');
    const profile = formOf(await settings.response.text(), 'profile');
    const saved = await submitAndOpen(browser, profile.action, {
      ...profile.fields,
      'traits.email': EMAIL,
      'traits.name.first': 'Grace <Hopper>',
      method: 'profile',
    });
    const html = await saved.response.text();
    assert.match(html, /value="Grace &lt;Hopper&gt;"/);
  });

  test('verification by emailed code', async () => {
    const browser = stack.newBrowser();
    const page = await browser.open('/verification');
    assert.equal(page.url.pathname, '/verification');
    const start = formOf(await page.response.text());
    const sent = await submitAndOpen(browser, start.action, {
      ...start.fields,
      email: EMAIL,
      method: 'code',
    });
    const sentHTML = await sent.response.text();
    assert.match(sentHTML, /name="code"/);
    const enter = formOf(sentHTML);
    const code = await mailedCode(stack.kratosAdminURL, EMAIL, {
      template: 'verification_code_valid',
      flowId: new URL(enter.action).searchParams.get('flow') ?? '',
    });
    const done = await submitAndOpen(browser, enter.action, {
      ...enter.fields,
      code,
      method: 'code',
    });
    assert.equal(done.response.status, 200);
    const html = await done.response.text();
    assert.match(html, /message-success/, 'Kratos says the address is verified');
  });

  test('settings without a session goes to login and comes back to settings', async () => {
    const browser = stack.newBrowser();
    const res = await browser.open('/settings');
    assert.equal(res.url.pathname, '/login');
    assert.ok(res.hops.some((h) => h.startsWith('/api/ory/self-service/settings/browser')));
  });
});

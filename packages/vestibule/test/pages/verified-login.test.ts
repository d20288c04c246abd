// The login hook `require_verified_address` seen from the pages, on the embedded identity server:
// signing in with an unverified address lands on the verification page with a freshly mailed code
// (Kratos's default), and once verified the same credentials sign in.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  formOf,
  mailedCode,
  startPagesStack,
  type Browser,
  type Stack,
} from '../support/pages-stack.ts';

let stack: Stack;
before(async () => {
  stack = await startPagesStack({
    selfservice: {
      flows: {
        login: { after: { password: { hooks: [{ hook: 'require_verified_address' }] } } },
      },
    },
  });
});
after(async () => {
  await stack?.close();
});

const EMAIL = `vera-${Date.now()}@example.com`;
const PASSWORD = 'a verified correct horse battery';

async function signIn(browser: Browser) {
  const login = await browser.open('/login');
  const form = formOf(await login.response.text());
  return browser.go(form.action, {
    method: 'POST',
    form: { ...form.fields, identifier: EMAIL, password: PASSWORD, method: 'password' },
  });
}

/** The flow id in a form's action (`…?flow=<id>`). */
function flowIdOf(action: string): string {
  const id = new URL(action).searchParams.get('flow');
  assert.ok(id, `a flow id in ${action}`);
  return id;
}

describe('require_verified_address through the pages', () => {
  test('an unverified address is sent to verification, not signed in; verified, it signs in', async () => {
    const registering = stack.newBrowser();
    const page = await registering.open('/registration');
    const reg = formOf(await page.response.text());
    await registering.go(reg.action, {
      method: 'POST',
      form: { ...reg.fields, 'traits.email': EMAIL, password: PASSWORD, method: 'password' },
    });

    const browser = stack.newBrowser();
    const refused = await signIn(browser);
    assert.equal(refused.status, 303);
    const verification = await browser.open(refused.headers.get('location')!);
    assert.equal(verification.url.pathname, '/verification');
    const html = await verification.response.text();
    assert.match(html, /name="code"/, 'the code form, a code already mailed');
    const cookies = await browser.jar.getCookies(stack.edgeURL);
    assert.ok(!cookies.some((c) => c.key === 'ory_kratos_session'), 'no session was issued');

    const form = formOf(html);
    const done = await browser.go(form.action, {
      method: 'POST',
      form: {
        ...form.fields,
        code: await mailedCode(stack.kratosAdminURL, EMAIL, {
          template: 'verification_code_valid',
          flowId: flowIdOf(form.action),
        }),
        method: 'code',
      },
    });
    assert.equal(done.status, 303);
    const verified = await browser.open(done.headers.get('location')!);
    assert.match(await verified.response.text(), /message-success/);

    const again = await signIn(stack.newBrowser());
    assert.equal(again.status, 303);
    assert.equal(again.headers.get('location'), `${stack.edgeURL}/`);
  });
});

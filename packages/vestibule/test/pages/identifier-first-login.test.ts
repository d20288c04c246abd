// Login `style: identifier_first` on the embedded identity server, seen through the edge's pages:
// the pages render whatever `ui.nodes` hold, so the first screen shows the identifier and the
// identifier_first group's "Continue" button, the second screen the password with the identifier
// carried as a hidden input, and an unknown identifier (account enumeration mitigated) looks the same.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { scanTags } from '../support/pages-fixtures.ts';
import { formOf, startPagesStack, type Browser, type Stack } from '../support/pages-stack.ts';

let stack: Stack;
before(async () => {
  stack = await startPagesStack({
    selfservice: { flows: { login: { style: 'identifier_first' } } },
    security: { account_enumeration: { mitigate: true } },
  });
});
after(async () => {
  await stack?.close();
});

const EMAIL = `idfirst-${Date.now()}@example.com`;
const PASSWORD = 'identifier first, then the password';

/** The inputs and buttons of the page's flow form: `tag:type:name[=value]`, in page order. */
function controls(html: string): string[] {
  return scanTags(html)
    .filter((t) => t.name === 'input' || t.name === 'button')
    .map((t) => {
      const type = t.attrs.get('type') ?? '';
      const value = t.name === 'button' ? `=${t.attrs.get('value') ?? ''}` : '';
      return `${t.name}:${type}:${t.attrs.get('name') ?? ''}${value}`;
    });
}

async function continueWith(browser: Browser, identifier: string) {
  const login = await browser.open('/login');
  assert.equal(login.url.pathname, '/login');
  const html = await login.response.text();
  const form = formOf(html);
  const next = await browser.go(form.action, {
    method: 'POST',
    form: { ...form.fields, identifier, method: 'identifier_first' },
  });
  assert.equal(next.status, 303, await next.clone().text());
  const second = await browser.open(next.headers.get('location')!);
  assert.equal(second.url.pathname, '/login');
  return { first: html, second: await second.response.text() };
}

describe('identifier-first login through the pages', () => {
  before(async () => {
    const res = await fetch(`${stack.kratosAdminURL}/admin/identities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        schema_id: 'default',
        traits: { email: EMAIL },
        credentials: { password: { config: { password: PASSWORD } } },
      }),
    });
    assert.equal(res.status, 201);
  });

  test('first screen: the identifier and the identifier_first "Continue" button, no password', async () => {
    const browser = stack.newBrowser();
    const { first, second } = await continueWith(browser, EMAIL);
    assert.match(first, /data-group="identifier_first"/);
    const firstControls = controls(first);
    assert.ok(firstControls.includes('input:text:identifier'), firstControls.join(' '));
    assert.ok(firstControls.includes('button:submit:method=identifier_first'));
    assert.ok(!firstControls.some((c) => c.includes(':password')), 'no password yet');

    // Second screen: the identifier hidden (and submitted again), the password and its button.
    const secondControls = controls(second);
    assert.ok(secondControls.includes('input:hidden:identifier'), secondControls.join(' '));
    assert.ok(secondControls.includes('input:password:password'));
    assert.ok(secondControls.includes('button:submit:method=password'));
    assert.ok(!secondControls.includes('button:submit:method=identifier_first'));
    const form = formOf(second);
    assert.equal(form.fields.identifier, EMAIL);

    const done = await browser.go(form.action, {
      method: 'POST',
      form: { ...form.fields, password: PASSWORD, method: 'password' },
    });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), `${stack.edgeURL}/`);
    const cookies = await browser.jar.getCookies(stack.edgeURL);
    assert.ok(
      cookies.some((c) => c.key === 'ory_kratos_session'),
      'signed in',
    );
  });

  test('an unknown identifier gets the same second page and the same wrong-credentials message', async () => {
    const pages: string[][] = [];
    const messages: boolean[] = [];
    for (const identifier of [EMAIL, `nobody-${Date.now()}@example.com`]) {
      const browser = stack.newBrowser();
      const { second } = await continueWith(browser, identifier);
      pages.push(controls(second));
      const form = formOf(second);
      const refused = await browser.go(form.action, {
        method: 'POST',
        form: { ...form.fields, password: 'not the right password', method: 'password' },
      });
      assert.equal(refused.status, 303);
      const again = await browser.open(refused.headers.get('location')!);
      const html = await again.response.text();
      messages.push(/data-message-id="4000006"|provided credentials are invalid/.test(html));
      assert.ok(controls(html).includes('input:password:password'), 'still the password page');
    }
    assert.deepEqual(pages[1], pages[0]);
    assert.deepEqual(messages, [true, true]);
  });
});

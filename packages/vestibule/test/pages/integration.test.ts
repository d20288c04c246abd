// Over real sockets: the embedded identity server (configured with an in-cluster base_url, as in a
// cluster), the same-origin proxy and the pages behind one edge listener. A browser-like client with
// a cookie jar starts a flow, gets it rendered (the pages fetch it with the forwarded Cookie), registers,
// signs in, signs out, sees Kratos's "wrong password" message, and a stolen flow id restarts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formOf, startPagesStack, type Stack } from '../support/pages-stack.ts';

let stack: Stack;
before(async () => {
  stack = await startPagesStack();
});
after(async () => {
  await stack?.close();
});

const EMAIL = `ada-${Date.now()}@example.com`;
const PASSWORD = 'correct horse battery staple';

describe('pages on the embedded identity server', () => {
  test('/login renders a real flow fetched with the forwarded cookie; actions are same-origin', async () => {
    const browser = stack.newBrowser();
    const { response, hops, url } = await browser.open(
      '/login?return_to=' + encodeURIComponent(`${stack.edgeURL}/notes`),
    );
    assert.equal(
      hops[1],
      `/api/ory/self-service/login/browser?return_to=${encodeURIComponent(`${stack.edgeURL}/notes`)}`,
    );
    assert.equal(url.pathname, '/login');
    assert.equal(response.status, 200);
    const html = await response.text();
    const { action, fields } = formOf(html);
    assert.equal(
      action,
      `${stack.edgeURL}/api/ory/self-service/login?flow=${url.searchParams.get('flow')}`,
    );
    assert.ok(fields.csrf_token, 'csrf token rendered');
    assert.match(html, /name="identifier"/);
    assert.match(html, /name="password"/);
    assert.doesNotMatch(
      html,
      /ory-kratos|127\.0\.0\.1:\d+\/self-service/,
      'no Kratos host in the page',
    );
  });

  test('register through the page form, stay signed in, sign out, sign in again', async () => {
    const browser = stack.newBrowser();
    const reg = await browser.open('/registration');
    assert.equal(reg.response.status, 200);
    const { action, fields } = formOf(await reg.response.text());
    const submit = await browser.go(action, {
      method: 'POST',
      form: { ...fields, 'traits.email': EMAIL, password: PASSWORD, method: 'password' },
    });
    assert.equal(submit.status, 303, await submit.clone().text());
    assert.equal(submit.headers.get('location'), `${stack.edgeURL}/`);
    const cookies = await browser.jar.getCookies(stack.edgeURL);
    assert.ok(
      cookies.some((c) => c.key === 'ory_kratos_session'),
      'session cookie set on the edge origin',
    );

    // Signed in: the login page sends the browser on instead of showing a form.
    const again = await browser.open('/login');
    assert.equal(again.url.href, `${stack.edgeURL}/`);

    const out = await browser.open('/logout');
    assert.match(
      out.hops[1]!,
      new RegExp(`^${stack.edgeURL}/api/ory/self-service/logout\\?token=`),
    );
    assert.equal(out.url.pathname, '/login');
    assert.ok(
      !(await browser.jar.getCookies(stack.edgeURL)).some(
        (c) => c.key === 'ory_kratos_session' && c.value,
      ),
    );

    const login = await browser.open('/login');
    const form = formOf(await login.response.text());
    const signIn = await browser.go(form.action, {
      method: 'POST',
      form: { ...form.fields, identifier: EMAIL, password: PASSWORD, method: 'password' },
    });
    assert.equal(signIn.status, 303);
    assert.equal(signIn.headers.get('location'), `${stack.edgeURL}/`);
  });

  test("a wrong password comes back to the same flow with Kratos's message 4000006", async () => {
    const browser = stack.newBrowser();
    const login = await browser.open('/login');
    const flowId = login.url.searchParams.get('flow');
    const form = formOf(await login.response.text());
    const wrong = await browser.go(form.action, {
      method: 'POST',
      form: { ...form.fields, identifier: EMAIL, password: 'not the password', method: 'password' },
    });
    assert.equal(wrong.status, 303);
    const back = await browser.open(wrong.headers.get('location')!);
    assert.equal(back.url.searchParams.get('flow'), flowId);
    const html = await back.response.text();
    assert.match(html, /data-message-id="4000006"/);
    assert.match(html, /role="alert"/);
  });

  test('a flow id opened without its CSRF cookie restarts cleanly instead of failing', async () => {
    const owner = stack.newBrowser();
    const login = await owner.open('/login');
    const stranger = stack.newBrowser();
    const res = await stranger.go(login.url.pathname + login.url.search);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/api/ory/self-service/login/browser');
    const fresh = await stranger.open(res.headers.get('location')!);
    assert.equal(fresh.response.status, 200);
    assert.notEqual(fresh.url.searchParams.get('flow'), login.url.searchParams.get('flow'));
  });
});

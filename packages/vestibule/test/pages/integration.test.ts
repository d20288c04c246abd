// Over real sockets: the embedded identity server (configured with an in-cluster base_url, as in a
// cluster), the same-origin proxy and the pages behind one edge listener. A browser-like client with
// a cookie jar starts a flow, gets it rendered (the pages fetch it with the forwarded Cookie), registers,
// signs in, signs out, sees Kratos's "wrong password" message, and a stolen flow id restarts.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import { CookieJar } from 'tough-cookie';
import {
  createIdentityServer,
  defaultConfig,
  type IdentityServer,
  type Listening,
} from '@vestibule/identity-server';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { createOryProxy } from '../../src/proxy/index.ts';
import { createSelfServicePages } from '../../src/pages/index.ts';
import { scanTags } from './support.ts';

let edgeServer: Server;
let edgeURL = '';
let identity: IdentityServer;
let kratos: Listening;
let closeProxy: () => Promise<void>;

before(async () => {
  let route: (request: Request) => Promise<Response> = async () =>
    new Response('starting', { status: 503 });
  edgeServer = createAdaptorServer({ fetch: (request: Request) => route(request) }) as Server;
  await new Promise<void>((resolve) => edgeServer.listen(0, '127.0.0.1', resolve));
  edgeURL = `http://127.0.0.1:${(edgeServer.address() as AddressInfo).port}`;

  identity = await createIdentityServer({
    config: defaultConfig({
      serve: {
        // Kratos describes itself by its in-cluster name: the browser must never see it.
        public: { base_url: 'http://ory-kratos:4433/', host: '127.0.0.1', port: 0 },
        admin: { base_url: 'http://ory-kratos:4434/', host: '127.0.0.1', port: 0 },
      },
      selfservice: {
        default_browser_return_url: `${edgeURL}/`,
        allowed_return_urls: [`${edgeURL}/`],
        flows: {
          login: { ui_url: `${edgeURL}/login` },
          registration: { ui_url: `${edgeURL}/registration` },
          recovery: { ui_url: `${edgeURL}/recovery` },
          verification: { ui_url: `${edgeURL}/verification` },
          settings: { ui_url: `${edgeURL}/settings` },
          logout: { after: { default_browser_return_url: `${edgeURL}/login` } },
          error: { ui_url: `${edgeURL}/error` },
        },
      },
      hashers: { bcrypt: { cost: 4 } },
    }),
    log: () => {},
  });
  kratos = await identity.listen();

  const logger = createMemoryLogger();
  const proxy = createOryProxy({
    kratosPublicURL: kratos.publicURL,
    publicOrigin: edgeURL,
    logger,
  });
  closeProxy = () => proxy.close();
  const pages = createSelfServicePages({
    kratosPublicURL: kratos.publicURL,
    publicOrigin: edgeURL,
    logger,
  });
  route = async (request) => {
    if (new URL(request.url).pathname.startsWith('/api/ory/')) return proxy(request);
    return (await pages(request)) ?? new Response('app', { status: 200 });
  };
});

after(async () => {
  await closeProxy?.();
  edgeServer?.closeAllConnections();
  await new Promise<void>((resolve) => edgeServer?.close(() => resolve()));
  await kratos?.close();
  await identity?.close();
});

/** A browser: cookie jar, manual redirects, absolute or edge-relative URLs. */
function newBrowser() {
  const jar = new CookieJar();
  async function go(path: string, init: RequestInit & { form?: Record<string, string> } = {}) {
    const url = new URL(path, edgeURL).href;
    const headers = new Headers(init.headers);
    const cookie = await jar.getCookieString(url);
    if (cookie) headers.set('cookie', cookie);
    headers.set('accept', 'text/html');
    let body = init.body;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      body,
      redirect: 'manual',
    });
    for (const c of response.headers.getSetCookie()) await jar.setCookie(c, url);
    return response;
  }
  /** Follows 303s like a browser until a page with a body. */
  async function open(path: string) {
    let response = await go(path);
    const hops: string[] = [path];
    while (response.status === 303 || response.status === 302) {
      const next = response.headers.get('location')!;
      hops.push(next);
      assert.ok(hops.length < 10, `redirect loop: ${hops.join(' → ')}`);
      response = await go(next);
    }
    return { response, hops, url: new URL(hops.at(-1)!, edgeURL) };
  }
  return { jar, go, open };
}

/** The form's action and hidden fields, as a browser would submit them. */
function formOf(html: string, group = 'flow') {
  const tags = scanTags(html);
  const form = tags.find((t) => t.name === 'form' && t.attrs.get('data-group') === group);
  assert.ok(form, `form ${group}`);
  const fields: Record<string, string> = {};
  for (const t of tags) {
    if (t.at > form.at && t.name === 'input' && t.attrs.get('type') === 'hidden')
      fields[t.attrs.get('name')!] = t.attrs.get('value') ?? '';
  }
  return { action: form.attrs.get('action')!, fields };
}

const EMAIL = `ada-${Date.now()}@example.com`;
const PASSWORD = 'correct horse battery staple';

describe('pages on the embedded identity server', () => {
  test('/login renders a real flow fetched with the forwarded cookie; actions are same-origin', async () => {
    const browser = newBrowser();
    const { response, hops, url } = await browser.open(
      '/login?return_to=' + encodeURIComponent(`${edgeURL}/notes`),
    );
    assert.equal(
      hops[1],
      `/api/ory/self-service/login/browser?return_to=${encodeURIComponent(`${edgeURL}/notes`)}`,
    );
    assert.equal(url.pathname, '/login');
    assert.equal(response.status, 200);
    const html = await response.text();
    const { action, fields } = formOf(html);
    assert.equal(
      action,
      `${edgeURL}/api/ory/self-service/login?flow=${url.searchParams.get('flow')}`,
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
    const browser = newBrowser();
    const reg = await browser.open('/registration');
    assert.equal(reg.response.status, 200);
    const { action, fields } = formOf(await reg.response.text());
    const submit = await browser.go(action, {
      method: 'POST',
      form: { ...fields, 'traits.email': EMAIL, password: PASSWORD, method: 'password' },
    });
    assert.equal(submit.status, 303, await submit.clone().text());
    assert.equal(submit.headers.get('location'), `${edgeURL}/`);
    const cookies = await browser.jar.getCookies(edgeURL);
    assert.ok(
      cookies.some((c) => c.key === 'ory_kratos_session'),
      'session cookie set on the edge origin',
    );

    // Signed in: the login page sends the browser on instead of showing a form.
    const again = await browser.open('/login');
    assert.equal(again.url.href, `${edgeURL}/`);

    const out = await browser.open('/logout');
    assert.match(out.hops[1]!, new RegExp(`^${edgeURL}/api/ory/self-service/logout\\?token=`));
    assert.equal(out.url.pathname, '/login');
    assert.ok(
      !(await browser.jar.getCookies(edgeURL)).some(
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
    assert.equal(signIn.headers.get('location'), `${edgeURL}/`);
  });

  test("a wrong password comes back to the same flow with Kratos's message 4000006", async () => {
    const browser = newBrowser();
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
    const owner = newBrowser();
    const login = await owner.open('/login');
    const stranger = newBrowser();
    const res = await stranger.go(login.url.pathname + login.url.search);
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/api/ory/self-service/login/browser');
    const fresh = await stranger.open(res.headers.get('location')!);
    assert.equal(fresh.response.status, 200);
    assert.notEqual(fresh.url.searchParams.get('flow'), login.url.searchParams.get('flow'));
  });
});

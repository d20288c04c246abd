// The pages' only JavaScript, in Debian's chromium: a double click sends one POST that still carries
// the clicked button's `method`, and Kratos's WebAuthn trigger names call the functions its script
// defines — under the pages' CSP, with no violations.
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import type { Browser } from 'playwright-core';
import { browserSkipReason, launchBrowser } from '../../../../test/support/browser.ts';
import { json, makePages, minimalFlow, stubKratos } from '../support/pages-fixtures.ts';

const skip = browserSkipReason();
const FLOW = '11111111-2222-3333-4444-555555555555';
let server: Server;
let origin = '';
let browser: Browser;
const posts: string[] = [];
/** The first login POST is held open, as a slow Kratos would, until the test releases it. */
const heldPosts: Array<() => void> = [];
const postArrived = new EventEmitter();
const releasePosts = () => heldPosts.splice(0).forEach((release) => release());

const input = (group: string, attributes: Record<string, unknown>, label?: string) => ({
  type: 'input',
  group,
  attributes: { node_type: 'input', ...attributes },
  messages: [],
  meta: label ? { label: { id: 1, text: label, type: 'info' } } : {},
});

before(async () => {
  if (skip) return;
  server = createAdaptorServer({ fetch: (r: Request) => route(r) }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const base = minimalFlow();
  const flow = minimalFlow({
    ui: {
      ...base.ui,
      // Kratos's own base URL: the pages must turn it into this origin's proxy path.
      action: `https://slug.projects.oryapis:8080/self-service/login?flow=${FLOW}`,
      nodes: [
        ...base.ui.nodes,
        input('default', { name: 'identifier', type: 'text', value: 'ada@example.com' }, 'Email'),
        input('password', { name: 'password', type: 'password', required: true }, 'Password'),
        input('password', { name: 'method', type: 'submit', value: 'password' }, 'Sign in'),
        input(
          'webauthn',
          {
            name: 'webauthn_login_trigger',
            type: 'button',
            value: '',
            onclickTrigger: 'oryWebAuthnLogin',
          },
          'Use a security key',
        ),
        {
          type: 'script',
          group: 'webauthn',
          attributes: {
            src: 'https://slug.projects.oryapis:8080/.well-known/ory/webauthn.js',
            async: true,
            referrerpolicy: 'no-referrer',
            crossorigin: 'anonymous',
            integrity: '',
            type: 'text/javascript',
            id: 'webauthn_script',
            nonce: 'kratos-nonce',
            node_type: 'script',
          },
          messages: [],
          meta: {},
        },
      ],
    },
  });
  const { pages } = makePages(stubKratos(() => json(200, flow)).fetch, { publicOrigin: origin });
  const route = async (request: Request): Promise<Response> => {
    const { pathname } = new URL(request.url);
    if (pathname === '/favicon.ico') return new Response(null, { status: 204 });
    if (pathname === '/api/ory/.well-known/ory/webauthn.js') {
      return new Response(
        'window.oryWebAuthnLogin = function () { document.title = "webauthn called"; };',
        {
          headers: { 'content-type': 'text/javascript' },
        },
      );
    }
    if (pathname === '/api/ory/self-service/login' && request.method === 'POST') {
      const n = posts.push(await request.text());
      postArrived.emit('post');
      if (n === 1) await new Promise<void>((resolve) => heldPosts.push(resolve));
      // Numbered, so the page shows which POST its navigation ended on.
      return new Response(`<title>done ${n}</title>`, { headers: { 'content-type': 'text/html' } });
    }
    return (await pages(request)) ?? new Response('not found', { status: 404 });
  };
  browser = await launchBrowser();
});

after(async () => {
  releasePosts();
  await browser?.close();
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe("the pages' inline script in chromium", { skip }, () => {
  test('a double click submits once, with the clicked method; no CSP violations', async () => {
    posts.length = 0;
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    page.on('pageerror', (e) => problems.push(String(e)));
    await page.goto(`${origin}/login?flow=${FLOW}`);
    await page.fill('input[name=password]', 'secret-password');
    const firstPost = once(postArrived, 'post');
    await page.dblclick('button[value=password]', { noWaitAfter: true });
    await firstPost;
    // The first POST is held while the second click happens. A second submit would replace the
    // first navigation, so the page could only end on "done 2": no waiting for it to show up.
    releasePosts();
    await page.waitForURL(`${origin}/api/ory/self-service/login?flow=${FLOW}`);
    await page.waitForFunction(() => document.title.startsWith('done'));
    assert.equal(await page.title(), 'done 1');
    assert.equal(posts.length, 1, `one POST, got ${posts.length}`);
    const form = new URLSearchParams(posts[0]);
    assert.equal(form.get('method'), 'password', 'the clicked button value survives disabling');
    assert.equal(form.get('csrf_token'), 'tok');
    assert.equal(form.get('password'), 'secret-password');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("a WebAuthn trigger button calls the function from Kratos's script (loaded via the proxy with the nonce)", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(`${origin}/login?flow=${FLOW}`);
    await page.click('button[data-ory-trigger=oryWebAuthnLogin]');
    await page.waitForFunction(() => document.title === 'webauthn called');
    assert.deepEqual(problems, []);
    await page.close();
  });
});

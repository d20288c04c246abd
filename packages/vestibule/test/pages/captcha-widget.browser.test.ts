// The captcha widget in Debian's chromium under the pages' CSP (issue 12): the local verifier's
// widget loads with the nonce, fetches a token from the verifier and puts it in the form; the token
// verifies once and its replay is refused. Turnstile's script and iframe (stubbed by request
// interception: no network here) are allowed by the CSP only because captcha is on.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, launchBrowser } from '../../../../test/support/browser.ts';
import {
  createSiteverifyVerifier,
  LOCAL_DEV_KEYS,
  startLocalVerifier,
  TEST_KEYS,
  type LocalVerifier,
} from '../../src/captcha/index.ts';
import type { SelfServicePagesOptions } from '../../src/pages/index.ts';
import { json, makePages, minimalFlow, stubKratos } from '../support/pages-fixtures.ts';

const skip = browserSkipReason();
const FLOW = '11111111-2222-3333-4444-555555555555';
const servers: Server[] = [];
let browser: Browser;
let verifier: LocalVerifier;
const posts: string[] = [];

const input = (group: string, attributes: Record<string, unknown>, label?: string) => ({
  type: 'input',
  group,
  attributes: { node_type: 'input', ...attributes },
  messages: [],
  meta: label ? { label: { id: 1, text: label, type: 'info' } } : {},
});

/** An edge origin serving the pages with `captcha`, and a login POST sink. */
async function edgeWith(captcha: SelfServicePagesOptions['captcha']): Promise<string> {
  const base = minimalFlow();
  const flow = minimalFlow({
    ui: {
      ...base.ui,
      nodes: [
        ...base.ui.nodes,
        input('default', { name: 'identifier', type: 'text', value: 'ada@example.com' }, 'Email'),
        input('password', { name: 'password', type: 'password' }, 'Password'),
        input('password', { name: 'method', type: 'submit', value: 'password' }, 'Sign in'),
      ],
    },
  });
  let origin = '';
  const server = createAdaptorServer({
    fetch: async (request: Request) => {
      const { pathname } = new URL(request.url);
      if (pathname === '/favicon.ico') return new Response(null, { status: 204 });
      if (pathname === '/api/ory/self-service/login' && request.method === 'POST') {
        posts.push(await request.text());
        return new Response('<title>posted</title>', { headers: { 'content-type': 'text/html' } });
      }
      const { pages } = makePages(stubKratos(() => json(200, flow)).fetch, {
        publicOrigin: origin,
        ...(captcha ? { captcha } : {}),
      });
      return (await pages(request)) ?? new Response('not found', { status: 404 });
    },
  }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return origin;
}

function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(String(e)));
  return problems;
}

before(async () => {
  if (skip) return;
  verifier = await startLocalVerifier();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await verifier?.close();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('captcha widget in chromium', { skip }, () => {
  test('local: the widget runs under the CSP, its token reaches the form post and verifies once', async () => {
    const origin = await edgeWith({
      provider: 'local',
      siteKey: LOCAL_DEV_KEYS.siteKey,
      localVerifierURL: verifier.url,
    });
    const page = await browser.newPage();
    const problems = watchProblems(page);
    await page.goto(`${origin}/login?flow=${FLOW}`);
    await page.check('.vestibule-local-captcha input[type=checkbox]');
    await page.waitForSelector('.vestibule-local-captcha[data-state=solved]');
    await page.fill('input[name=password]', 'a passphrase nobody uses');
    posts.length = 0;
    await page.click('button[value=password]');
    await page.waitForFunction(() => document.title === 'posted');
    const form = new URLSearchParams(posts[0]);
    const token = form.get('local-captcha-response') ?? '';
    assert.ok(token.length > 20, 'the widget filled the response field');
    assert.equal(form.get('method'), 'password');
    const check = createSiteverifyVerifier({
      provider: 'local',
      siteKey: LOCAL_DEV_KEYS.siteKey,
      secret: LOCAL_DEV_KEYS.secret,
      verifyUrl: verifier.siteverifyURL('local'),
    });
    assert.deepEqual(await check.verify(token, '127.0.0.1'), { ok: true });
    assert.deepEqual(await check.verify(token, '127.0.0.1'), { ok: false, reason: 'invalid' });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('reCAPTCHA v3: the token is fetched on submit and posted once with the clicked method', async () => {
    // A stand-in for Google's api.js: the two calls the helper makes.
    const grecaptcha = `window.grecaptcha={ready:function(f){setTimeout(f,0)},
      execute:function(k,o){window.executed=(window.executed||0)+1;
      return Promise.resolve("token-for-"+k+"-"+o.action)}};`;
    const origin = await edgeWith({ provider: 'recaptcha_v3', siteKey: '6Ltest-site' });
    const page = await browser.newPage();
    const problems = watchProblems(page);
    await page.route('https://www.google.com/recaptcha/**', (route) =>
      route.fulfill({ contentType: 'text/javascript', body: grecaptcha }),
    );
    await page.goto(`${origin}/login?flow=${FLOW}`);
    await page.waitForFunction(() => 'grecaptcha' in window);
    await page.fill('input[name=password]', 'a passphrase nobody uses');
    posts.length = 0;
    await page.click('button[value=password]');
    await page.waitForFunction(() => document.title === 'posted');
    assert.equal(posts.length, 1);
    const form = new URLSearchParams(posts[0]);
    assert.equal(form.get('g-recaptcha-response'), 'token-for-6Ltest-site-login');
    assert.equal(form.get('method'), 'password', 'the clicked button survives the resubmit');
    assert.equal(form.get('password'), 'a passphrase nobody uses');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test("turnstile: the provider's script and iframe load under the CSP only when captcha is on", async () => {
    // Stand-ins for api.js, which (like the real one) loads more script from its origin without
    // our nonce — allowed only by the origin in script-src — and that script draws the widget in
    // an iframe from the same origin and puts a token in the form's response field.
    const apiScript = `var s=document.createElement("script");
      s.src="https://challenges.cloudflare.com/turnstile/v0/g/widget.js";document.head.appendChild(s);`;
    const widgetScript = `document.querySelectorAll(".cf-turnstile").forEach(function(el){
      var f=document.createElement("iframe");f.src="https://challenges.cloudflare.com/frame";el.appendChild(f);
      var i=document.createElement("input");i.type="hidden";i.name=el.getAttribute("data-response-field-name");
      i.value="${TEST_KEYS.turnstile.dummyToken}";el.appendChild(i);document.title="widget drawn"});`;
    const load = async (page: Page, origin: string) => {
      await page.route('https://challenges.cloudflare.com/**', (route) =>
        route.request().url().endsWith('.js')
          ? route.fulfill({
              contentType: 'text/javascript',
              body: route.request().url().endsWith('/api.js') ? apiScript : widgetScript,
            })
          : route.fulfill({ contentType: 'text/html', body: '<p>challenge</p>' }),
      );
      await page.goto(`${origin}/login?flow=${FLOW}`);
    };
    const on = await edgeWith({ provider: 'turnstile', siteKey: TEST_KEYS.turnstile.siteKeyPass });
    const page = await browser.newPage();
    const problems = watchProblems(page);
    await load(page, on);
    await page.waitForFunction(() => document.title === 'widget drawn');
    const frame = page.frames().find((f) => f.url() === 'https://challenges.cloudflare.com/frame');
    assert.ok(frame, 'the iframe was allowed');
    await frame.waitForLoadState();
    assert.equal(await frame.textContent('p'), 'challenge');
    assert.deepEqual(problems, []);
    await page.close();

    // The same script, injected into a page without captcha, is blocked by the CSP.
    const off = await edgeWith(undefined);
    const plain = await browser.newPage();
    const blocked = watchProblems(plain);
    await load(plain, off);
    const violation = plain.waitForEvent('console', {
      predicate: (m) => /Content Security Policy/.test(m.text()),
    });
    await plain.evaluate(() => {
      const s = document.createElement('script');
      s.src = 'https://challenges.cloudflare.com/turnstile/v0/api.js';
      document.body.appendChild(s);
    });
    await violation;
    assert.ok(
      blocked.some((p) => /Content Security Policy/.test(p)),
      `expected a CSP violation, got ${JSON.stringify(blocked)}`,
    );
    assert.notEqual(await plain.title(), 'widget drawn');
    await plain.close();
  });
});

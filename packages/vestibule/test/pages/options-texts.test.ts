// Construction-time validation, translations by message id, theme, security headers, routing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSelfServicePages } from '../../src/pages/index.ts';
import { getPage, json, makePages, minimalFlow, stubKratos } from '../support/pages-fixtures.ts';

const FLOW = '11111111-2222-3333-4444-555555555555';

function flowWithMessages() {
  const base = minimalFlow();
  return minimalFlow({
    ui: {
      ...base.ui,
      messages: [
        { id: 4000006, text: 'The provided credentials are invalid', type: 'error', context: {} },
      ],
      nodes: [
        ...base.ui.nodes,
        {
          type: 'input',
          group: 'password',
          attributes: { name: 'password', type: 'password', required: true, node_type: 'input' },
          messages: [
            {
              id: 4000003,
              text: 'length must be >= 8, but got 3',
              type: 'error',
              context: { min_length: 8, actual_length: 3 },
            },
          ],
          meta: { label: { id: 1070001, text: 'Password', type: 'info' } },
        },
        {
          type: 'input',
          group: 'password',
          attributes: { name: 'method', type: 'submit', value: 'password', node_type: 'input' },
          messages: [],
          meta: { label: { id: 1010001, text: 'Sign in', type: 'info' } },
        },
      ],
    },
  });
}

describe('options', () => {
  const valid = { kratosPublicURL: 'http://ory-kratos:4433' };
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['missing Kratos URL', {}, /options\.kratosPublicURL/],
    [
      'non-http Kratos URL',
      { kratosPublicURL: 'ftp://x' },
      /options\.kratosPublicURL: expected an absolute http\(s\) URL/,
    ],
    [
      'proxy prefix with trailing slash',
      { ...valid, proxyPrefix: '/api/ory/' },
      /options\.proxyPrefix/,
    ],
    ['unknown option', { ...valid, kratosAdminURL: 'http://x' }, /kratosAdminURL/],
    [
      'bad translation key',
      { ...valid, translations: { hello: 'x' } },
      /options\.translations\.hello/,
    ],
    [
      'CSS injection through a theme variable',
      { ...valid, theme: { variables: { '--vb-accent': 'red;}</style><script>' } } },
      /options\.theme\.variables/,
    ],
    [
      'javascript: logo',
      { ...valid, theme: { logoURL: 'javascript:alert(1)' } },
      /options\.theme\.logoURL/,
    ],
    [
      'open-redirect default return',
      { ...valid, defaultReturnTo: '//evil.example' },
      /options\.defaultReturnTo/,
    ],
    ['short secret', { ...valid, secret: 'short' }, /options\.secret/],
    [
      'global in-cluster regex',
      { ...valid, inClusterHostPattern: /ory/g },
      /options\.inClusterHostPattern/,
    ],
  ];
  for (const [name, options, message] of cases) {
    test(`rejects ${name} with a TypeError naming the option`, () => {
      assert.throws(
        () => createSelfServicePages(options as never),
        (err: Error) => err instanceof TypeError && message.test(err.message),
      );
    });
  }
});

describe('translations', () => {
  test('override Kratos texts by message id (both key styles), interpolating context; others keep Kratos text', async () => {
    const { pages } = makePages(stubKratos(() => json(200, flowWithMessages())).fetch, {
      translations: {
        4000006: 'Falsche Zugangsdaten',
        'identities.messages.4000003': 'Mindestens {min_length} Zeichen, nicht {actual_length}',
        'vestibule.login.title': 'Anmelden',
      },
      lang: 'de',
    });
    const body = await (await getPage(pages, `/login?flow=${FLOW}`)).text();
    assert.match(body, /Falsche Zugangsdaten/);
    assert.match(body, /Mindestens 8 Zeichen, nicht 3/);
    assert.match(body, /<h1>Anmelden<\/h1>/);
    assert.match(body, /<html lang="de">/);
    assert.match(body, />Sign in<\/button>/, 'untranslated ids keep Kratos text');
    assert.doesNotMatch(body, /credentials are invalid/);
  });

  test('a translation is text, never markup', async () => {
    const { pages } = makePages(stubKratos(() => json(200, flowWithMessages())).fetch, {
      translations: { 4000006: '<b>bold</b>' },
    });
    const body = await (await getPage(pages, `/login?flow=${FLOW}`)).text();
    assert.match(body, /&lt;b&gt;bold&lt;\/b&gt;/);
  });
});

describe('accessibility and theming', () => {
  test('labels, error wiring and focus', async () => {
    const { pages } = makePages(stubKratos(() => json(200, flowWithMessages())).fetch);
    const body = await (await getPage(pages, `/login?flow=${FLOW}`)).text();
    assert.match(body, /<label for="f-password">Password/);
    assert.match(
      body,
      /<input id="f-password" name="password" required autofocus aria-invalid="true" aria-describedby="f-password-messages" type="password">/,
    );
    assert.match(body, /<div class="messages" id="f-password-messages" role="alert">/);
    assert.match(
      body,
      /<div class="messages" role="alert"><p class="message message-error" data-message-id="4000006">/,
    );
  });

  test("theme: brand, logo and CSS variables (nonce'd style); logo origin allowed by the CSP", async () => {
    const { pages } = makePages(stubKratos(() => json(200, minimalFlow())).fetch, {
      theme: {
        brandName: 'Notes & Co',
        logoURL: 'https://cdn.example/logo.svg',
        accentColor: '#ff0000',
        variables: { '--vb-radius': '0' },
      },
    });
    const res = await getPage(pages, `/login?flow=${FLOW}`);
    const body = await res.text();
    assert.match(body, /Notes &amp; Co/);
    assert.match(body, /<img src="https:\/\/cdn.example\/logo.svg" alt="">/);
    const nonce = /script-src 'nonce-([^']+)'/.exec(
      res.headers.get('content-security-policy')!,
    )![1]!;
    assert.ok(
      body.includes(`<style nonce="${nonce}">:root{--vb-accent:#ff0000;--vb-radius:0}</style>`),
    );
    assert.match(
      res.headers.get('content-security-policy')!,
      /img-src 'self' data: https:\/\/cdn.example/,
    );
  });
});

describe('HTTP surface', () => {
  test('security headers on a flow page; the inline script carries the per-response nonce', async () => {
    const { pages } = makePages(stubKratos(() => json(200, minimalFlow())).fetch);
    const a = await getPage(pages, `/login?flow=${FLOW}`);
    const b = await getPage(pages, `/login?flow=${FLOW}`);
    const csp = a.headers.get('content-security-policy')!;
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.notEqual(csp, b.headers.get('content-security-policy'), 'fresh nonce per response');
    assert.equal(a.headers.get('x-frame-options'), 'DENY');
    assert.equal(a.headers.get('cache-control'), 'no-store');
    assert.equal(a.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(a.headers.get('x-content-type-options'), 'nosniff');
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    assert.ok((await a.text()).includes(`<script nonce="${nonce}">`));
  });

  test('the stylesheet is served, immutable only under its content hash', async () => {
    const { pages } = makePages(stubKratos(() => json(200, minimalFlow())).fetch);
    const page = await (await getPage(pages, `/login?flow=${FLOW}`)).text();
    const href = /<link rel="stylesheet" href="([^"]+)">/.exec(page)![1]!;
    const css = await getPage(pages, href);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    assert.match(css.headers.get('cache-control')!, /immutable/);
    assert.match(await css.text(), /--vb-accent/);
    const stale = await getPage(pages, '/_vestibule/pages.css?v=old');
    assert.doesNotMatch(stale.headers.get('cache-control')!, /immutable/);
  });

  test('only page paths are handled; pages answer GET/HEAD only', async () => {
    const { pages } = makePages(stubKratos(() => json(200, minimalFlow())).fetch);
    for (const path of ['/', '/login/x', '/loginx', '/api/ory/self-service/login', '/LOGIN']) {
      assert.equal(await pages(new Request('http://localhost:4000' + path)), null, path);
    }
    assert.ok(pages.matches('/settings'));
    assert.ok(!pages.matches('/notes'));
    const post = await pages(
      new Request('http://localhost:4000/login', { method: 'POST', body: 'x' }),
    );
    assert.equal(post!.status, 405);
    const head = await pages(
      new Request(`http://localhost:4000/login?flow=${FLOW}`, { method: 'HEAD' }),
    );
    assert.equal(head!.status, 200);
    assert.equal(await head!.text(), '');
  });

  test("uses the edge's request id and logger when given", async () => {
    const { pages } = makePages(stubKratos(() => json(500, {})).fetch);
    const res = await pages(new Request(`http://localhost:4000/login?flow=${FLOW}`), {
      requestId: 'edge-request-0001',
    });
    assert.equal(res!.headers.get('x-request-id'), 'edge-request-0001');
    assert.match(await res!.text(), /edge-request-0001/);
  });
});

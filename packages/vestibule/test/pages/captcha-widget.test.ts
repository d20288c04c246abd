// The captcha widget on the self-service pages (issue 12): rendered inside the form, right above the
// first submit button, with the response's nonce; the CSP allows the provider's origins only on
// pages that render it, and never 'unsafe-inline'.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSelfServicePages } from '../../src/pages/index.ts';
import {
  FIXTURE_KRATOS,
  getPage,
  json,
  makePages,
  minimalFlow,
  scanTags,
  stubKratos,
} from '../support/pages-fixtures.ts';

const FLOW = '11111111-2222-3333-4444-555555555555';

/** A login flow as Kratos sends it: CSRF token, identifier, password and the submit button. */
function loginFlow(): unknown {
  const base = minimalFlow();
  const node = (group: string, attributes: Record<string, unknown>) => ({
    type: 'input',
    group,
    attributes: { node_type: 'input', ...attributes },
    messages: [],
    meta: {},
  });
  return minimalFlow({
    ui: {
      ...base.ui,
      nodes: [
        ...base.ui.nodes,
        node('default', { name: 'identifier', type: 'text', required: true }),
        node('password', { name: 'password', type: 'password', required: true }),
        node('password', { name: 'method', type: 'submit', value: 'password' }),
      ],
    },
  });
}

async function render(
  captcha: Record<string, unknown> | undefined,
  flowType = 'login',
  flow: unknown = loginFlow(),
) {
  const { pages } = makePages(
    stubKratos(() => json(200, flow)).fetch,
    captcha ? { captcha: captcha as never } : {},
  );
  const res = await getPage(pages, `/${flowType}?flow=${FLOW}`);
  const html = await res.text();
  const csp = res.headers.get('content-security-policy')!;
  const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
  return { res, html, csp, nonce, tags: scanTags(html) };
}

const directive = (csp: string, name: string) =>
  csp
    .split('; ')
    .find((d) => d.startsWith(`${name} `))!
    .split(' ')
    .slice(1);

describe('captcha widget', () => {
  test("Turnstile: nonce'd script and widget div inside the form, above the submit button; CSP allows only its origin", async () => {
    const { html, csp, nonce, tags } = await render({
      provider: 'turnstile',
      siteKey: '0x4AAA-site',
    });
    const script = tags.find(
      (t) => t.name === 'script' && t.attrs.get('src')?.includes('turnstile'),
    );
    assert.equal(script?.attrs.get('src'), 'https://challenges.cloudflare.com/turnstile/v0/api.js');
    assert.equal(script?.attrs.get('nonce'), nonce);
    const widget = tags.find((t) => t.attrs.get('class') === 'cf-turnstile')!;
    assert.equal(widget.attrs.get('data-sitekey'), '0x4AAA-site');
    assert.equal(widget.attrs.get('data-action'), 'login');
    const form = tags.find((t) => t.name === 'form')!;
    const submit = tags.find((t) => t.attrs.get('type') === 'submit')!;
    assert.ok(form.at < widget.at && widget.at < submit.at, 'inside the form, above the button');
    assert.equal(html.match(/class="cf-turnstile"/g)?.length, 1, 'rendered once');
    assert.deepEqual(directive(csp, 'script-src'), [
      `'nonce-${nonce}'`,
      'https://challenges.cloudflare.com',
    ]);
    assert.deepEqual(directive(csp, 'frame-src'), ['https://challenges.cloudflare.com']);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*;|\* /);
  });

  test('without the option: no widget, and the CSP allows no third-party origin', async () => {
    const { html, csp, nonce } = await render(undefined);
    assert.doesNotMatch(html, /cf-turnstile|h-captcha|recaptcha|vestibule-local-captcha/);
    assert.deepEqual(directive(csp, 'script-src'), [`'nonce-${nonce}'`]);
    assert.match(csp, /frame-src 'none'/);
    assert.match(csp, /connect-src 'self'(;|$)/);
  });

  test('only on the configured flows (default login, registration, recovery; never settings)', async () => {
    const captcha = { provider: 'hcaptcha', siteKey: 'hc-site' };
    for (const flowType of ['registration', 'recovery']) {
      assert.match((await render(captcha, flowType)).html, /class="h-captcha"/, flowType);
    }
    const settings = await render(captcha, 'settings');
    assert.doesNotMatch(settings.html, /h-captcha/);
    assert.doesNotMatch(settings.csp, /hcaptcha/);
    const onlyRegistration = await render({ ...captcha, flows: ['registration'] }, 'login');
    assert.doesNotMatch(onlyRegistration.html, /h-captcha/);
  });

  test('hCaptcha: its script, widget and CSP sources (script, frame, style, connect)', async () => {
    const { csp, tags } = await render({ provider: 'hcaptcha', siteKey: 'hc-site' });
    assert.ok(tags.some((t) => t.attrs.get('src') === 'https://js.hcaptcha.com/1/api.js'));
    for (const name of ['script-src', 'frame-src', 'style-src', 'connect-src']) {
      assert.ok(directive(csp, name).includes('https://*.hcaptcha.com'), name);
    }
  });

  test("reCAPTCHA v3: the render script with the site key, a hidden response field and a nonce'd helper", async () => {
    const { html, nonce, tags, csp } = await render({
      provider: 'recaptcha_v3',
      siteKey: '6Lsite-x',
    });
    assert.ok(
      tags.some(
        (t) => t.attrs.get('src') === 'https://www.google.com/recaptcha/api.js?render=6Lsite-x',
      ),
    );
    const field = tags.find((t) => t.attrs.get('name') === 'g-recaptcha-response')!;
    assert.equal(field.attrs.get('type'), 'hidden');
    assert.equal(field.attrs.get('data-action'), 'login');
    assert.match(html, /grecaptcha\.execute/);
    const scripts = tags.filter((t) => t.name === 'script');
    assert.equal(scripts.length, 3, 'the provider script, our helper, the pages script');
    for (const script of scripts) assert.equal(script.attrs.get('nonce'), nonce);
    assert.ok(directive(csp, 'script-src').includes('https://www.gstatic.com/recaptcha/'));
  });

  test('local: the widget script from the local verifier, which the CSP allows for scripts and fetches', async () => {
    const { tags, csp } = await render({
      provider: 'local',
      siteKey: 'vestibule-local-site-key',
      localVerifierURL: 'http://127.0.0.1:4999/',
    });
    assert.ok(tags.some((t) => t.attrs.get('src') === 'http://127.0.0.1:4999/local/api.js'));
    assert.ok(tags.some((t) => t.attrs.get('class') === 'vestibule-local-captcha'));
    assert.ok(directive(csp, 'script-src').includes('http://127.0.0.1:4999'));
    assert.ok(directive(csp, 'connect-src').includes('http://127.0.0.1:4999'));
  });

  test('bad captcha options are refused when the pages are built', () => {
    const build = (captcha: unknown) => () =>
      createSelfServicePages({ kratosPublicURL: FIXTURE_KRATOS, captcha: captcha as never });
    assert.throws(build({ provider: 'recaptcha_v2', siteKey: 'x' }), /options\.captcha\.provider/);
    assert.throws(build({ provider: 'turnstile', siteKey: '' }), /options\.captcha\.siteKey/);
    assert.throws(build({ provider: 'turnstile', siteKey: 'a"><script>' }), /siteKey/);
    assert.throws(build({ provider: 'local', siteKey: 'x' }), /localVerifierURL/);
    assert.throws(
      build({ provider: 'local', siteKey: 'x', localVerifierURL: 'http://captcha.example' }),
      /localVerifierURL/,
    );
  });
});

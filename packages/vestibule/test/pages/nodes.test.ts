// Node renderers on synthetic nodes the recordings do not cover (anchors, enums, checkboxes, triggers),
// browser-validation wiring in the single form, and the captcha CSP.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FIXTURE_KRATOS,
  getPage,
  json,
  loadRecordedFlows,
  makePages,
  minimalFlow,
  scanTags,
  stubKratos,
} from '../support/pages-fixtures.ts';

const FLOW = '11111111-2222-3333-4444-555555555555';

function withNodes(nodes: unknown[]) {
  const base = minimalFlow();
  return minimalFlow({ ui: { ...base.ui, nodes: [...base.ui.nodes, ...nodes] } });
}

async function render(flow: unknown, flowType = 'login') {
  const { pages } = makePages(stubKratos(() => json(200, flow)).fetch);
  const res = await getPage(pages, `/${flowType}?flow=${FLOW}`);
  return { res, html: await res.text() };
}

const input = (group: string, attributes: Record<string, unknown>, label?: string) => ({
  type: 'input',
  group,
  attributes: { node_type: 'input', ...attributes },
  messages: [],
  meta: label ? { label: { id: 1, text: label, type: 'info' } } : {},
});

describe('node renderers', () => {
  test('an anchor (verification "Continue") goes through the proxy when it points at Kratos; javascript: is dropped', async () => {
    const { html } = await render(
      withNodes([
        {
          type: 'a',
          group: 'code',
          attributes: {
            href: `${FIXTURE_KRATOS}/self-service/login/browser`,
            title: { id: 1070009, text: 'Continue', type: 'info' },
            id: 'continue',
            node_type: 'a',
          },
          messages: [],
          meta: {},
        },
        {
          type: 'a',
          group: 'code',
          attributes: {
            href: 'javascript:alert(1)',
            title: { id: 1, text: 'Evil', type: 'info' },
            id: 'evil',
            node_type: 'a',
          },
          messages: [],
          meta: {},
        },
      ]),
      'verification',
    );
    const tags = scanTags(html);
    assert.equal(
      tags.find((t) => t.attrs.get('id') === 'continue')!.attrs.get('href'),
      'http://localhost:4000/api/ory/self-service/login/browser',
    );
    assert.match(html, />Continue<\/a>/);
    assert.equal(tags.find((t) => t.attrs.get('id') === 'evil')!.attrs.has('href'), false);
  });

  test('enum traits render as a select with the current value selected; checkboxes reflect true', async () => {
    const { html } = await render(
      withNodes([
        input(
          'default',
          {
            name: 'traits.country',
            type: 'text',
            value: 'DE',
            options: [{ value: 'US' }, { value: 'DE' }],
          },
          'Country',
        ),
        input('default', { name: 'traits.tos', type: 'checkbox', value: true }, 'Accept'),
      ]),
      'registration',
    );
    assert.match(html, /<select id="f-traits-country" name="traits.country">/);
    assert.match(html, /<option value="DE" selected>DE<\/option>/);
    assert.match(
      html,
      /<input type="checkbox" id="f-traits-tos" name="traits.tos" value="true" checked>/,
    );
  });

  test("WebAuthn triggers: no inline onclick, the trigger name as data for the nonce'd script", async () => {
    const { html } = await render(
      withNodes([
        input(
          'webauthn',
          {
            name: 'webauthn_login_trigger',
            type: 'button',
            value: '',
            onclick: 'window.oryWebAuthnLogin()',
            onclickTrigger: 'oryWebAuthnLogin',
          },
          'Use key',
        ),
        input('webauthn', { name: 'x', type: 'button', onclickTrigger: 'alert' }, 'Not ours'),
      ]),
    );
    assert.match(html, /data-ory-trigger="oryWebAuthnLogin"/);
    assert.doesNotMatch(html, /onclick=/);
    assert.doesNotMatch(html, /data-ory-trigger="alert"/, 'only ory* globals may be triggered');
  });

  test("in the single form a method button is not blocked by another method's required fields", async () => {
    const { html } = await render(
      withNodes([
        input('default', { name: 'identifier', type: 'text', required: true }, 'Email'),
        input('password', { name: 'password', type: 'password', required: true }, 'Password'),
        input('password', { name: 'method', type: 'submit', value: 'password' }, 'Sign in'),
        input('code', { name: 'method', type: 'submit', value: 'code' }, 'Send code'),
        input('oidc', { name: 'provider', type: 'submit', value: 'github' }, 'GitHub'),
      ]),
    );
    const buttons = scanTags(html).filter((t) => t.name === 'button');
    const byValue = (v: string) => buttons.find((b) => b.attrs.get('value') === v)!;
    assert.equal(
      byValue('password').attrs.has('formnovalidate'),
      false,
      'password sign-in validates',
    );
    assert.equal(
      byValue('code').attrs.has('formnovalidate'),
      true,
      'code does not need the password',
    );
    assert.equal(byValue('github').attrs.has('formnovalidate'), true, 'social needs no field');
  });

  test('an unknown node type still shows its label and messages', async () => {
    const { res, html } = await render(
      withNodes([
        {
          type: 'hologram',
          group: 'default',
          attributes: {},
          messages: [{ id: 9, text: 'beam me', type: 'info' }],
          meta: { label: { text: 'Future' } },
        },
      ]),
    );
    assert.equal(res.status, 200);
    assert.match(html, /Future/);
    assert.match(html, /beam me/);
  });
});

describe('captcha', { skip: !loadRecordedFlows() }, () => {
  test('the captcha provider may frame its widget; nothing else may', async () => {
    const recorded = loadRecordedFlows()!.find(
      (f) => f.name === 'login/1fa/unified/captcha/interactive/initial-form.json',
    )!;
    const { res, html } = await render(recorded.body);
    const csp = res.headers.get('content-security-policy')!;
    assert.match(csp, /frame-src https:\/\/challenges\.cloudflare\.com(;|$)/);
    assert.match(html, /<div id="captcha_turnstile_inject" class="node-div"><\/div>/);
    const plain = await render(minimalFlow());
    assert.match(plain.res.headers.get('content-security-policy')!, /frame-src 'none'/);
  });
});

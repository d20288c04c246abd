// continue_with after a finished flow, in the priority order of Ory's SDK (pickBestContinueWith).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  FIXTURE_KRATOS,
  getPage,
  json,
  makePages,
  minimalFlow,
  stubKratos,
} from '../support/pages-fixtures.ts';

const FLOW = '11111111-2222-3333-4444-555555555555';

async function landing(flowType: string, extra: Record<string, unknown>) {
  const { pages } = makePages(stubKratos(() => json(200, minimalFlow(extra))).fetch);
  return getPage(pages, `/${flowType}?flow=${FLOW}`);
}

describe('continue_with', () => {
  test('recovery passed: to the settings flow Kratos created (show_settings_ui)', async () => {
    const res = await landing('recovery', {
      state: 'passed_challenge',
      continue_with: [
        { action: 'redirect_browser_to', redirect_browser_to: 'http://localhost:4000/' },
        {
          action: 'show_settings_ui',
          flow: { id: 'set-1', url: 'https://elsewhere.example/settings?flow=set-1' },
        },
      ],
    });
    assert.equal(res.status, 303);
    // Our own page, never the absolute `flow.url` (which could leave the origin).
    assert.equal(res.headers.get('location'), '/settings?flow=set-1');
  });

  test('priority: show_verification_ui before redirect_browser_to, whatever the array order', async () => {
    const res = await landing('registration', {
      state: 'passed_challenge',
      continue_with: [
        { action: 'set_ory_session_token', ory_session_token: 'x' },
        { action: 'redirect_browser_to', redirect_browser_to: '/notes' },
        { action: 'show_verification_ui', flow: { id: 'ver-1', verifiable_address: 'a@b.c' } },
      ],
    });
    assert.equal(res.headers.get('location'), '/verification?flow=ver-1');
  });

  test('redirect_browser_to on Kratos is shown through the proxy', async () => {
    const res = await landing('settings', {
      state: 'success',
      continue_with: [
        {
          action: 'redirect_browser_to',
          redirect_browser_to: `${FIXTURE_KRATOS}/self-service/login/browser`,
        },
      ],
    });
    assert.equal(
      res.headers.get('location'),
      'http://localhost:4000/api/ory/self-service/login/browser',
    );
  });

  test('a saved settings flow pointing back at itself is rendered, not followed (no loop)', async () => {
    const res = await landing('settings', {
      state: 'success',
      ui: {
        ...minimalFlow().ui,
        messages: [{ id: 1050001, text: 'Your changes have been saved!', type: 'success' }],
      },
      continue_with: [
        {
          action: 'redirect_browser_to',
          redirect_browser_to: `https://slug.example/ui/settings?flow=${FLOW}`,
        },
      ],
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Your changes have been saved!/);
  });

  test('a flow still being filled in is rendered even if it carries continue_with', async () => {
    const res = await landing('verification', {
      state: 'sent_email',
      continue_with: [{ action: 'redirect_browser_to', redirect_browser_to: '/x' }],
    });
    assert.equal(res.status, 200);
  });

  test('unknown actions and javascript: targets are ignored', async () => {
    const unknown = await landing('login', {
      state: 'success',
      continue_with: [{ action: 'launch_rockets' }],
    });
    assert.equal(unknown.status, 200);
    const evil = await landing('login', {
      state: 'success',
      continue_with: [
        { action: 'redirect_browser_to', redirect_browser_to: 'javascript:alert(1)' },
      ],
    });
    assert.equal(evil.headers.get('location'), '/');
  });
});

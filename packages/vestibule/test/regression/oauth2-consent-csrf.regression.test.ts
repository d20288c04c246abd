// Regression (issue 16, consent CSRF): the consent and logout forms post back to the edge, which
// accepts with Hydra. Without a token bound to the browser and the challenge, a cross-site page
// could make a signed-in browser grant an attacker's client (or sign the user out). Refused: no
// token, a token for another challenge, a token without its cookie, a token from another browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { client, cookiePair, hiddenField, session, setup } from '../support/fake-hydra.ts';

const consent = (challenge: string) => ({
  challenge,
  skip: false,
  subject: 'identity-1',
  requested_scope: ['openid'],
  requested_access_token_audience: [],
  client: client(),
});

test('consent posts without a valid challenge-bound CSRF token are refused and accept nothing', async () => {
  const world = { consent: consent('cc1'), session: session() };
  const { request, calls } = setup(world);
  const page = await request('/oauth2/consent?consent_challenge=cc1');
  const cookie = cookiePair(page);
  const token = hiddenField(await page.text(), 'csrf_token');
  const otherBrowser = cookiePair(await request('/oauth2/consent?consent_challenge=cc1'));
  const attempts: Array<{ cookie?: string; form: Record<string, string> }> = [
    { cookie, form: { consent_challenge: 'cc1', action: 'accept' } },
    { form: { consent_challenge: 'cc1', csrf_token: token, action: 'accept' } },
    {
      cookie: otherBrowser,
      form: { consent_challenge: 'cc1', csrf_token: token, action: 'accept' },
    },
    { cookie, form: { consent_challenge: 'cc2', csrf_token: token, action: 'accept' } },
    {
      cookie,
      form: { consent_challenge: 'cc1', csrf_token: `${token.slice(0, -2)}AA`, action: 'accept' },
    },
  ];
  for (const attempt of attempts) {
    const response = await request('/oauth2/consent', attempt);
    assert.equal(response.status, 403, JSON.stringify(attempt.form));
  }
  assert.ok(
    !calls.some((c) => c.path.endsWith('/accept') || c.path.endsWith('/reject')),
    'nothing accepted or rejected',
  );
  const honest = await request('/oauth2/consent', {
    cookie,
    form: { consent_challenge: 'cc1', csrf_token: token, action: 'accept' },
  });
  assert.equal(honest.status, 303);
});

test('logout posts without the CSRF token are refused', async () => {
  const { request, calls } = setup({
    logout: {
      challenge: 'oc1',
      subject: 'identity-1',
      sid: 's',
      rp_initiated: true,
      client: client(),
    },
    session: session(),
  });
  const response = await request('/oauth2/logout', {
    cookie: 'ory_kratos_session=good',
    form: { logout_challenge: 'oc1', action: 'accept' },
  });
  assert.equal(response.status, 403);
  assert.ok(!calls.some((c) => c.path === 'logout/accept'));
});

// Regression (issue 16, forced re-login): when Hydra demands a fresh login (prompt=login, max_age),
// the edge sends the browser to sign in again and comes back with the time it asked, signed. A
// link that claims "already re-authenticated" (a forged or altered asked_at) must not turn an old
// session into an accepted login.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { client, session, setup } from '../support/fake-hydra.ts';

test('a forged or altered re-login marker does not skip the demanded login', async () => {
  const login = {
    challenge: 'lc1',
    skip: false,
    subject: '',
    request_url: 'http://hydra.test/oauth2/auth?prompt=login',
    requested_scope: ['openid'],
    client: client(),
  };
  const { request, calls } = setup({ login, session: session() });
  const first = await request('/oauth2/login?login_challenge=lc1', {
    cookie: 'ory_kratos_session=good',
  });
  const back = new URL(
    new URL(first.headers.get('location')!, 'http://edge.test').searchParams.get('return_to')!,
  );
  const early = String(Date.UTC(2025, 0, 1));
  const forged = [
    `/oauth2/login?login_challenge=lc1&asked_at=${early}&asked_sig=x`,
    `/oauth2/login?login_challenge=lc1&asked_at=${early}&asked_sig=${back.searchParams.get('asked_sig')}`,
  ];
  for (const path of forged) {
    const response = await request(path, { cookie: 'ory_kratos_session=good' });
    assert.equal(
      new URL(response.headers.get('location')!, 'http://edge.test').pathname,
      '/login',
      path,
    );
  }
  assert.ok(!calls.some((c) => c.path === 'login/accept'), 'the old session was never accepted');
});

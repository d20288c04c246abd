// `vestibule up` starts its embedded OAuth2 server after the edge: until it is up, the /oauth2/*
// pages answer a clear, retryable 503 carrying the request id, without calling Hydra at all, and
// serve normally the moment it is.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { client, setup } from '../support/fake-hydra.ts';

const login = {
  challenge: 'lc1',
  skip: true,
  subject: 'identity-9',
  request_url: 'http://hydra.test/oauth2/auth?client_id=rp&scope=openid',
  requested_scope: ['openid'],
  client: client(),
};

test('while Hydra starts: 503 with Retry-After and the request id, Hydra not called; then served', async () => {
  let starting = true;
  const { request, calls } = setup({ login, hydraStarting: () => starting });
  for (const path of ['/oauth2/login?login_challenge=lc1', '/oauth2/consent?consent_challenge=c']) {
    const response = await request(path);
    assert.equal(response.status, 503, path);
    assert.equal(response.headers.get('retry-after'), '2');
    assert.equal(response.headers.get('x-request-id'), 'req-123');
    assert.match(response.headers.get('content-type')!, /^text\/html/);
    const html = await response.text();
    assert.match(html, /still starting/);
    assert.match(html, /req-123/);
  }
  // A POST (consent form) is refused the same way, its body left unread.
  const posted = await request('/oauth2/consent', { form: { consent_challenge: 'c', a: 'b' } });
  assert.equal(posted.status, 503);
  assert.equal(calls.length, 0);

  starting = false;
  const served = await request('/oauth2/login?login_challenge=lc1');
  assert.equal(served.status, 303);
  assert.match(served.headers.get('location')!, /login_verifier=/);
  assert.equal(calls.length, 2);
});

test('a method the pages never take is still 405 while starting (no 503 for it)', async () => {
  const { request } = setup({ login, hydraStarting: () => true });
  const response = await request('/oauth2/login', { method: 'DELETE' });
  assert.equal(response.status, 405);
});

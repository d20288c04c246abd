import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorize, Browser, CALLBACK, createClient, pkcePair, startHarness, token } from './support/harness.ts';

test('smoke: code flow', async () => {
  const h = await startHarness();
  try {
    const client = await createClient(h, {
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      scope: 'openid offline_access email',
    });
    const browser = new Browser();
    const { verifier, challenge } = pkcePair();
    const { code } = await authorize(h, browser, {
      client_id: client.client_id as string,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope: 'openid offline_access email',
      state: 'state-123456',
      nonce: 'nonce-123456',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const response = await token(h, { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier }, { id: client.client_id as string, secret: client.client_secret as string });
    const body = await response.json();
    console.log(response.status, body);
    assert.equal(response.status, 200);
  } finally {
    await h.close();
  }
});

// The local verifier speaks each provider's siteverify HTTP contract (raw requests, not through our
// client): answer shape, error codes for missing, unknown and replayed tokens, JSON bodies (which
// Turnstile also accepts), and the `local` widget's script and token endpoint.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LOCAL_DEV_KEYS, startLocalVerifier, type LocalVerifier } from '../../src/captcha/index.ts';

let local: LocalVerifier;
before(async () => {
  local = await startLocalVerifier({
    keys: [
      LOCAL_DEV_KEYS,
      { provider: 'turnstile', siteKey: 'ts-site', secret: 'ts-secret' },
      { provider: 'hcaptcha', siteKey: 'hc-site', secret: 'hc-secret' },
      { provider: 'recaptcha_v3', siteKey: 'rc-site', secret: 'rc-secret' },
    ],
  });
});
after(() => local.close());

async function siteverify(path: string, body: URLSearchParams | object) {
  const form = body instanceof URLSearchParams;
  const res = await fetch(local.url + path, {
    method: 'POST',
    headers: { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: form ? body : JSON.stringify(body),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, unknown>;
}

test('Turnstile path: success fields, then timeout-or-duplicate on replay; JSON bodies too', async () => {
  const token = local.issueToken('turnstile', 'ts-site', { action: 'login', hostname: 'app.test' });
  const first = await siteverify('/turnstile/v0/siteverify', {
    secret: 'ts-secret',
    response: token,
  });
  assert.equal(first.success, true);
  assert.deepEqual(first['error-codes'], []);
  assert.equal(first.action, 'login');
  assert.equal(first.hostname, 'app.test');
  assert.match(String(first.challenge_ts), /^\d{4}-\d{2}-\d{2}T/);
  const again = await siteverify(
    '/turnstile/v0/siteverify',
    new URLSearchParams({ secret: 'ts-secret', response: token }),
  );
  assert.deepEqual(again, { success: false, 'error-codes': ['timeout-or-duplicate'] });
});

test('error codes: missing secret, missing response, unknown secret, unknown token', async () => {
  const path = '/turnstile/v0/siteverify';
  assert.deepEqual(await siteverify(path, new URLSearchParams({ response: 'x' })), {
    success: false,
    'error-codes': ['missing-input-secret'],
  });
  assert.deepEqual(await siteverify(path, new URLSearchParams({ secret: 'ts-secret' })), {
    success: false,
    'error-codes': ['missing-input-response'],
  });
  assert.deepEqual(await siteverify(path, new URLSearchParams({ secret: 'nope', response: 'x' })), {
    success: false,
    'error-codes': ['invalid-input-secret'],
  });
  assert.deepEqual(
    await siteverify(path, new URLSearchParams({ secret: 'ts-secret', response: 'forged' })),
    { success: false, 'error-codes': ['invalid-input-response'] },
  );
});

test("hCaptcha path: replay is invalid-or-already-seen-response; a sitekey that isn't the secret's is refused", async () => {
  const token = local.issueToken('hcaptcha', 'hc-site');
  const body = { secret: 'hc-secret', response: token, sitekey: 'hc-site' };
  assert.equal((await siteverify('/siteverify', new URLSearchParams(body))).success, true);
  assert.deepEqual(await siteverify('/siteverify', new URLSearchParams(body)), {
    success: false,
    'error-codes': ['invalid-or-already-seen-response'],
  });
  const other = local.issueToken('hcaptcha', 'hc-site');
  assert.deepEqual(
    await siteverify(
      '/siteverify',
      new URLSearchParams({ secret: 'hc-secret', response: other, sitekey: 'not-mine' }),
    ),
    { success: false, 'error-codes': ['sitekey-secret-mismatch'] },
  );
});

test('reCAPTCHA path: score and action in the answer', async () => {
  const token = local.issueToken('recaptcha_v3', 'rc-site', { action: 'signup', score: 0.4 });
  const answer = await siteverify(
    '/recaptcha/api/siteverify',
    new URLSearchParams({ secret: 'rc-secret', response: token }),
  );
  assert.equal(answer.success, true);
  assert.equal(answer.score, 0.4);
  assert.equal(answer.action, 'signup');
});

test('the local widget: its script, and tokens only for a known local site key (CORS open)', async () => {
  const script = await fetch(`${local.url}/local/api.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type') ?? '', /javascript/);
  assert.match(await script.text(), /local-captcha-response/);
  const minted = await fetch(`${local.url}/local/token`, {
    method: 'POST',
    body: new URLSearchParams({ sitekey: LOCAL_DEV_KEYS.siteKey }),
  });
  assert.equal(minted.headers.get('access-control-allow-origin'), '*');
  const { token } = (await minted.json()) as { token: string };
  const answer = await siteverify(
    '/local/siteverify',
    new URLSearchParams({ secret: LOCAL_DEV_KEYS.secret, response: token }),
  );
  assert.equal(answer.success, true);
  const refused = await fetch(`${local.url}/local/token`, {
    method: 'POST',
    body: new URLSearchParams({ sitekey: 'unknown' }),
  });
  assert.equal(refused.status, 400);
  await refused.body?.cancel();
  assert.equal((await fetch(`${local.url}/nowhere`, { method: 'POST' })).status, 404);
});

// Issue 12: the captcha step of the submit pipeline, with a verifier double: pass, fail, missing,
// replayed token, provider down (fail closed), browser and JSON; a locked request consumes none.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startFakeKratos, type FakeKratos } from '../support/fake-kratos.ts';
import { startUpstream, type Upstream } from '../support/gateway-stack.ts';
import { fakeCaptchaVerifier, loginForm, startProtectedEdge } from '../support/protected-edge.ts';

type Edge = Awaited<ReturnType<typeof startProtectedEdge>>;

describe('captcha step', () => {
  let kratos: FakeKratos;
  let upstream: Upstream;
  let edge: Edge;
  const verifier = fakeCaptchaVerifier();
  let n = 0;
  const token = () => `pass-${++n}`;

  before(async () => {
    kratos = await startFakeKratos();
    upstream = await startUpstream();
    edge = await startProtectedEdge({
      kratosURL: kratos.url,
      upstreamURL: upstream.url,
      captchaVerifier: verifier,
      protection: {
        captcha: { provider: 'turnstile', site_key: 'site-key', secret: 'secret', login: 'always' },
      },
    });
  });
  after(async () => {
    await edge.close();
    await upstream.close();
    await kratos.close();
  });

  it('a passing token from the widget field is forwarded (byte-identical, field included)', async () => {
    const before = kratos.submits;
    const res = await loginForm(edge.url, 'a@example.com', 'right', {
      extra: { 'cf-turnstile-response': token() },
    });
    assert.equal(res.status, 303);
    assert.equal(kratos.submits, before + 1);
  });

  it('SPA/API callers pass the token in a header', async () => {
    const res = await loginForm(edge.url, 'b@example.com', 'wrong', {
      json: true,
      headers: { 'x-captcha-token': token() },
    });
    assert.notEqual(res.status, 400);
    assert.notEqual(res.status, 503);
  });

  it('missing, failing and replayed tokens: refused before Kratos (JSON 400, browser back with a notice)', async () => {
    const before = kratos.submits;
    const missing = await loginForm(edge.url, 'c@example.com', 'right', { json: true });
    assert.equal(missing.status, 400);
    assert.equal(
      ((await missing.json()) as { error: { code: string } }).error.code,
      'CAPTCHA_FAILED',
    );
    const failing = await loginForm(edge.url, 'c@example.com', 'right', {
      extra: { 'h-captcha-response': 'nope' },
    });
    assert.equal(failing.status, 303);
    assert.match(failing.headers.getSetCookie().join(), /vestibule_notice=captcha_failed/);
    const once = token();
    assert.equal(
      (
        await loginForm(edge.url, 'c@example.com', 'wrong', {
          json: true,
          headers: { 'x-captcha-token': once },
        })
      ).status !== 400,
      true,
    );
    const replay = await loginForm(edge.url, 'c@example.com', 'right', {
      json: true,
      headers: { 'x-captcha-token': once },
    });
    assert.equal(replay.status, 400);
    assert.equal(kratos.submits, before + 1);
  });

  it('provider down: fail closed (JSON 503, browser back with a retry notice)', async () => {
    const before = kratos.submits;
    const json = await loginForm(edge.url, 'd@example.com', 'right', {
      json: true,
      headers: { 'x-captcha-token': 'down' },
    });
    assert.equal(json.status, 503);
    assert.equal(
      ((await json.json()) as { error: { code: string } }).error.code,
      'CAPTCHA_UNAVAILABLE',
    );
    const browser = await loginForm(edge.url, 'd@example.com', 'right', {
      extra: { 'g-recaptcha-response': 'down' },
    });
    assert.equal(browser.status, 303);
    assert.match(browser.headers.getSetCookie().join(), /vestibule_notice=captcha_unavailable/);
    assert.equal(kratos.submits, before);
  });

  it('a locked request consumes no captcha', async () => {
    for (let i = 0; i < 5; i++)
      await loginForm(edge.url, 'e@example.com', 'wrong', {
        json: true,
        headers: { 'x-captcha-token': token() },
      });
    const calls = verifier.calls.length;
    const locked = await loginForm(edge.url, 'e@example.com', 'right', {
      json: true,
      headers: { 'x-captcha-token': token() },
    });
    assert.equal(locked.status, 429);
    assert.equal(verifier.calls.length, calls);
  });

  it('registration is protected too; the token is never logged', async () => {
    const secret = token();
    const res = await fetch(
      `${edge.url}/api/ory/self-service/registration?flow=${crypto.randomUUID()}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          method: 'password',
          traits: { email: 'f@example.com' },
          password: 'x',
        }),
      },
    );
    assert.equal(res.status, 400);
    await fetch(`${edge.url}/api/ory/self-service/registration?flow=${crypto.randomUUID()}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-captcha-token': secret,
      },
      body: JSON.stringify({
        method: 'password',
        traits: { email: 'f@example.com' },
        password: 'x',
      }),
    });
    assert.ok(verifier.calls.includes(secret));
    assert.ok(!JSON.stringify(edge.logger.lines).includes(secret));
  });
});

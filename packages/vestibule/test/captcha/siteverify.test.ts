// The siteverify verifiers against the local verifier, provider by provider: pass, fail, missing,
// replayed and expired tokens, and a provider that is down, hanging or answering garbage (fail
// closed). Tokens are minted by the local verifier as each provider's widget would hand them out.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createSiteverifyVerifier,
  startLocalVerifier,
  TEST_KEYS,
  type CaptchaProvider,
  type LocalKeyPair,
  type LocalVerifier,
} from '../../src/captcha/index.ts';

const KEYS: LocalKeyPair[] = [
  { provider: 'turnstile', siteKey: '0x4AAAAAAAturnstile-site', secret: 'turnstile-secret' },
  { provider: 'hcaptcha', siteKey: 'a1b2c3d4-hcaptcha-site', secret: '0xhcaptcha-secret' },
  { provider: 'recaptcha_v3', siteKey: '6Lrecaptcha-site', secret: 'recaptcha-secret' },
  { provider: 'local', siteKey: 'local-site', secret: 'local-secret' },
];

let now = 1_700_000_000_000;
let local: LocalVerifier;
before(async () => {
  local = await startLocalVerifier({ keys: KEYS, now: () => now });
});
after(() => local.close());

function verifierFor(provider: CaptchaProvider, extra: Record<string, unknown> = {}) {
  const pair = KEYS.find((k) => k.provider === provider)!;
  return createSiteverifyVerifier({
    provider,
    siteKey: pair.siteKey,
    secret: pair.secret,
    verifyUrl: local.siteverifyURL(provider),
    timeoutMs: 2000,
    ...extra,
  });
}

for (const provider of ['turnstile', 'hcaptcha', 'recaptcha_v3', 'local'] as const) {
  describe(`${provider}: the siteverify contract`, () => {
    const siteKey = KEYS.find((k) => k.provider === provider)!.siteKey;

    test('a fresh token passes once; its replay is refused', async () => {
      const verifier = verifierFor(provider);
      const token = local.issueToken(provider, siteKey);
      assert.deepEqual(await verifier.verify(token, '203.0.113.7'), { ok: true });
      assert.deepEqual(await verifier.verify(token, '203.0.113.7'), {
        ok: false,
        reason: 'invalid',
      });
    });

    test('an unknown token, or one minted for another site key, is invalid', async () => {
      const verifier = verifierFor(provider);
      assert.deepEqual(await verifier.verify('forged-token', undefined), {
        ok: false,
        reason: 'invalid',
      });
      const other = local.issueToken(provider, 'someone-elses-site-key');
      assert.deepEqual(await verifier.verify(other, undefined), { ok: false, reason: 'invalid' });
    });

    test('a missing token is refused without asking the provider', async () => {
      const verifier = verifierFor(provider);
      const before = local.verifications;
      for (const token of ['', '   ']) {
        assert.deepEqual(await verifier.verify(token, undefined), {
          ok: false,
          reason: 'missing',
        });
      }
      assert.equal(local.verifications, before);
    });

    test('an expired token is refused (the provider answers its spent-token code)', async () => {
      const verifier = verifierFor(provider);
      const token = local.issueToken(provider, siteKey);
      now += 301_000;
      assert.deepEqual(await verifier.verify(token, undefined), { ok: false, reason: 'invalid' });
    });

    test('provider down, hanging or answering garbage: unavailable (fail closed)', async () => {
      const verifier = verifierFor(provider, { timeoutMs: 100 });
      for (const mode of ['down', 'garbage', 'hang'] as const) {
        local.outage(mode);
        const token = local.issueToken(provider, siteKey);
        assert.deepEqual(
          await verifier.verify(token, undefined),
          { ok: false, reason: 'unavailable' },
          mode,
        );
      }
      local.outage(undefined);
    });

    test('a wrong secret is our misconfiguration, not a pass: unavailable', async () => {
      const verifier = createSiteverifyVerifier({
        provider,
        siteKey,
        secret: 'not-the-secret',
        verifyUrl: local.siteverifyURL(provider),
      });
      const token = local.issueToken(provider, siteKey);
      assert.deepEqual(await verifier.verify(token, undefined), {
        ok: false,
        reason: 'unavailable',
      });
    });
  });
}

test('an unreachable provider is unavailable', async () => {
  const gone = await startLocalVerifier();
  const url = gone.siteverifyURL('turnstile');
  await gone.close();
  const verifier = createSiteverifyVerifier({
    provider: 'turnstile',
    siteKey: TEST_KEYS.turnstile.siteKeyPass,
    secret: TEST_KEYS.turnstile.secretPass,
    verifyUrl: url,
  });
  assert.deepEqual(await verifier.verify('any-token', undefined), {
    ok: false,
    reason: 'unavailable',
  });
});

test("Turnstile's published test secrets: always passes, always fails, token already spent", async () => {
  const make = (secret: string) =>
    createSiteverifyVerifier({
      provider: 'turnstile',
      siteKey: TEST_KEYS.turnstile.siteKeyPass,
      secret,
      verifyUrl: local.siteverifyURL('turnstile'),
    });
  const t = TEST_KEYS.turnstile;
  assert.deepEqual(await make(t.secretPass).verify(t.dummyToken, undefined), { ok: true });
  assert.deepEqual(await make(t.secretFail).verify(t.dummyToken, undefined), {
    ok: false,
    reason: 'invalid',
  });
  assert.deepEqual(await make(t.secretSpent).verify(t.dummyToken, undefined), {
    ok: false,
    reason: 'invalid',
  });
});

test("hCaptcha's test secret accepts only its dummy token", async () => {
  const h = TEST_KEYS.hcaptcha;
  const verifier = createSiteverifyVerifier({
    provider: 'hcaptcha',
    siteKey: h.siteKeyPass,
    secret: h.secretPass,
    verifyUrl: local.siteverifyURL('hcaptcha'),
  });
  assert.deepEqual(await verifier.verify(h.dummyToken, undefined), { ok: true });
  assert.deepEqual(await verifier.verify('a-real-looking-token', undefined), {
    ok: false,
    reason: 'invalid',
  });
});

test('reCAPTCHA v3: the score decides (minScore), and the action must match when expected', async () => {
  const siteKey = '6Lrecaptcha-site';
  const strict = verifierFor('recaptcha_v3', { minScore: 0.7, expectedAction: 'login' });
  assert.deepEqual(
    await strict.verify(
      local.issueToken('recaptcha_v3', siteKey, { action: 'login', score: 0.9 }),
      undefined,
    ),
    { ok: true },
  );
  assert.deepEqual(
    await strict.verify(
      local.issueToken('recaptcha_v3', siteKey, { action: 'login', score: 0.3 }),
      undefined,
    ),
    { ok: false, reason: 'invalid' },
  );
  assert.deepEqual(
    await strict.verify(
      local.issueToken('recaptcha_v3', siteKey, { action: 'registration', score: 0.9 }),
      undefined,
    ),
    { ok: false, reason: 'invalid' },
  );
  const turnstile = verifierFor('turnstile', { expectedAction: 'login' });
  const wrongAction = local.issueToken('turnstile', '0x4AAAAAAAturnstile-site', {
    action: 'other',
  });
  assert.deepEqual(await turnstile.verify(wrongAction, undefined), {
    ok: false,
    reason: 'invalid',
  });
});

test('the request is one form-encoded POST of secret, response and remoteip (plus sitekey for hCaptcha)', async () => {
  const seen: Array<{ url: string; body: string; type: string | null; redirect?: string }> = [];
  const recording = async (input: string | URL | Request, init?: RequestInit) => {
    seen.push({
      url: String(input),
      body: String(init?.body),
      type: new Headers(init?.headers).get('content-type'),
      ...(init?.redirect ? { redirect: init.redirect } : {}),
    });
    return Response.json({ success: true, 'error-codes': [] });
  };
  await createSiteverifyVerifier({
    provider: 'turnstile',
    siteKey: 'site',
    secret: 's3cret',
    fetch: recording,
  }).verify('tok&en=1', '2001:db8::1');
  await createSiteverifyVerifier({
    provider: 'hcaptcha',
    siteKey: 'hsite',
    secret: 'hs3cret',
    fetch: recording,
  }).verify('htoken', undefined);
  assert.deepEqual(seen, [
    {
      url: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
      body: 'secret=s3cret&response=tok%26en%3D1&remoteip=2001%3Adb8%3A%3A1',
      type: 'application/x-www-form-urlencoded',
      redirect: 'manual',
    },
    {
      url: 'https://api.hcaptcha.com/siteverify',
      body: 'secret=hs3cret&response=htoken&sitekey=hsite',
      type: 'application/x-www-form-urlencoded',
      redirect: 'manual',
    },
  ]);
});

test('a token longer than the provider issues is refused without a request', async () => {
  let calls = 0;
  const verifier = createSiteverifyVerifier({
    provider: 'turnstile',
    siteKey: 'site',
    secret: 'secret',
    fetch: async () => {
      calls++;
      return Response.json({ success: true });
    },
  });
  assert.deepEqual(await verifier.verify('x'.repeat(2049), undefined), {
    ok: false,
    reason: 'invalid',
  });
  assert.equal(calls, 0);
});

test('options are checked when the verifier is built, naming the option', () => {
  const base = { provider: 'turnstile' as const, siteKey: 'site', secret: 'secret' };
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ provider: 'recaptcha_v2' }, /options\.provider/],
    [{ siteKey: '' }, /options\.siteKey/],
    [{ secret: '' }, /options\.secret/],
    [{ verifyUrl: 'http://captcha.example/siteverify' }, /options\.verifyUrl/],
    [{ provider: 'local' }, /options\.verifyUrl: required/],
    [{ timeoutMs: 0 }, /options\.timeoutMs/],
    [{ minScore: 2 }, /options\.minScore/],
  ];
  for (const [patch, message] of cases) {
    assert.throws(
      () => createSiteverifyVerifier({ ...base, ...patch } as never),
      (err: unknown) => err instanceof TypeError && message.test(err.message),
    );
  }
  assert.equal(createSiteverifyVerifier(base).siteKey, 'site');
});

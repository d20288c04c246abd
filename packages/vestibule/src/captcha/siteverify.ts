// A CaptchaVerifier over a provider's siteverify endpoint: one form-encoded POST of the secret, the
// token and the client address; `success` decides. Fail closed: a network error, a timeout, a
// non-200 answer, unreadable JSON or a provider-side error is 'unavailable', never a pass. The token
// is single-use at the provider (a replay answers `timeout-or-duplicate`, or hCaptcha's
// `invalid-or-already-seen-response`) and is never logged or put in an error message.
import { KratosUnavailable } from '../lib/errors.ts';
import { isLoopbackName } from '../lib/loopback.ts';
import { callOutbound, type FetchLike } from '../lib/outbound.ts';
import { CAPTCHA_PROVIDERS, PROVIDERS } from './providers.ts';
import type { CaptchaOutcome, CaptchaProvider, CaptchaVerifier } from './verifier.ts';

export interface SiteverifyOptions {
  provider: CaptchaProvider;
  siteKey: string;
  secret: string;
  /** Default: the provider's production endpoint; required for `local`. */
  verifyUrl?: string;
  /** Default 5000 ms; a slower provider counts as down. */
  timeoutMs?: number;
  /** reCAPTCHA v3: lowest score that passes (Google's suggested default 0.5). */
  minScore?: number;
  /** When set, the `action` the provider reports must equal it (Turnstile, reCAPTCHA v3). */
  expectedAction?: string;
  /** Injected in tests. */
  fetch?: FetchLike;
}

interface SiteverifyAnswer {
  success?: unknown;
  'error-codes'?: unknown;
  score?: unknown;
  action?: unknown;
}

/** Error codes that say the provider itself (or our secret) is broken, not the visitor's token. */
const PROVIDER_SIDE_ERRORS = new Set([
  'internal-error',
  'missing-input-secret',
  'invalid-input-secret',
  'sitekey-secret-mismatch',
  'bad-request',
]);

/** @example createSiteverifyVerifier({ provider: 'turnstile', siteKey, secret }) */
export function createSiteverifyVerifier(options: SiteverifyOptions): CaptchaVerifier {
  const o = resolve(options);
  const contract = PROVIDERS[o.provider];
  return Object.freeze({
    provider: o.provider,
    siteKey: o.siteKey,
    async verify(token: string, remoteAddress: string | undefined): Promise<CaptchaOutcome> {
      if (typeof token !== 'string' || token.trim() === '') return fail('missing');
      if (token.length > contract.maxTokenLength) return fail('invalid');
      const answer = await ask(o, token, remoteAddress);
      return answer === undefined ? fail('unavailable') : judge(o, answer);
    },
  });
}

const fail = (reason: 'missing' | 'invalid' | 'unavailable'): CaptchaOutcome => ({
  ok: false,
  reason,
});

async function ask(
  o: ResolvedOptions,
  token: string,
  remoteAddress: string | undefined,
): Promise<SiteverifyAnswer | undefined> {
  const form = new URLSearchParams({ secret: o.secret, response: token });
  if (remoteAddress) form.set('remoteip', remoteAddress);
  // hCaptcha checks the token was issued for this site key when it is sent.
  if (o.provider === 'hcaptcha') form.set('sitekey', o.siteKey);
  let response: Response;
  try {
    response = await callOutbound(
      o.verifyUrl,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form,
      },
      { fetch: o.fetch, timeoutMs: o.timeoutMs, service: `captcha (${o.provider})` },
    );
  } catch (err) {
    if (err instanceof KratosUnavailable) return undefined;
    throw err;
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    return undefined;
  }
  try {
    const body = (await response.json()) as unknown;
    return typeof body === 'object' && body !== null ? (body as SiteverifyAnswer) : undefined;
  } catch {
    return undefined;
  }
}

function judge(o: ResolvedOptions, answer: SiteverifyAnswer): CaptchaOutcome {
  const codes = Array.isArray(answer['error-codes'])
    ? answer['error-codes'].filter((c): c is string => typeof c === 'string')
    : [];
  if (answer.success !== true) {
    if (codes.some((c) => PROVIDER_SIDE_ERRORS.has(c))) return fail('unavailable');
    if (codes.includes('missing-input-response')) return fail('missing');
    return fail('invalid');
  }
  if (o.expectedAction !== undefined && answer.action !== o.expectedAction) return fail('invalid');
  if (o.provider === 'recaptcha_v3') {
    // v3 always passes `success` for a well-formed token: the score is the verdict.
    if (typeof answer.score !== 'number' || answer.score < o.minScore) return fail('invalid');
  }
  return { ok: true };
}

interface ResolvedOptions {
  provider: CaptchaProvider;
  siteKey: string;
  secret: string;
  verifyUrl: string;
  timeoutMs: number;
  minScore: number;
  expectedAction: string | undefined;
  fetch: FetchLike | undefined;
}

function resolve(options: SiteverifyOptions): ResolvedOptions {
  const bad = (key: string, why: string) =>
    new TypeError(`createSiteverifyVerifier: options.${key}: ${why}`);
  if (typeof options !== 'object' || options === null) throw bad('(options)', 'expected an object');
  const { provider } = options;
  if (!CAPTCHA_PROVIDERS.includes(provider)) {
    throw bad('provider', `expected one of ${CAPTCHA_PROVIDERS.join(', ')}`);
  }
  if (typeof options.siteKey !== 'string' || !/^[A-Za-z0-9_.-]{1,200}$/.test(options.siteKey)) {
    throw bad('siteKey', 'expected a site key (letters, digits, _ . -)');
  }
  if (typeof options.secret !== 'string' || options.secret.length === 0) {
    throw bad('secret', 'expected a non-empty string');
  }
  const verifyUrl = options.verifyUrl ?? PROVIDERS[provider].siteverifyURL;
  if (verifyUrl === undefined) throw bad('verifyUrl', `required for provider ${provider}`);
  if (!isAcceptableEndpoint(verifyUrl)) {
    throw bad('verifyUrl', 'expected an https URL (http only on a loopback host)');
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > 60_000) {
    throw bad('timeoutMs', 'expected an integer between 1 and 60000');
  }
  const minScore = options.minScore ?? 0.5;
  if (typeof minScore !== 'number' || !(minScore >= 0 && minScore <= 1)) {
    throw bad('minScore', 'expected a number between 0 and 1');
  }
  if (options.expectedAction !== undefined && typeof options.expectedAction !== 'string') {
    throw bad('expectedAction', 'expected a string');
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    throw bad('fetch', 'expected a fetch function');
  }
  return {
    provider,
    siteKey: options.siteKey,
    secret: options.secret,
    verifyUrl,
    timeoutMs,
    minScore,
    expectedAction: options.expectedAction,
    fetch: options.fetch,
  };
}

/** The secret travels in the body: never over plain HTTP beyond this machine. */
function isAcceptableEndpoint(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && isLoopbackName(url.hostname);
}

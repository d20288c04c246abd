// `vestibule/captcha`: server-side captcha verification for the edge's submit pipeline (issue 12):
// siteverify clients for Cloudflare Turnstile, hCaptcha and reCAPTCHA v3, and a local verifier with
// the same HTTP contract for tests and the dev stack.
/**
 * @example
 * ```ts
 * import { createSiteverifyVerifier } from 'vestibule/captcha';
 * const verifier = createSiteverifyVerifier({ provider: 'turnstile', siteKey, secret });
 * const outcome = await verifier.verify(token, clientAddress); // { ok: true } or { ok: false, reason }
 * ```
 */
export { createSiteverifyVerifier, type SiteverifyOptions } from './siteverify.ts';
export {
  startLocalVerifier,
  LOCAL_DEV_KEYS,
  type LocalVerifier,
  type LocalVerifierOptions,
  type LocalKeyPair,
  type IssueOptions,
  type Outage,
} from './local-verifier.ts';
export { PROVIDERS, TEST_KEYS, CAPTCHA_PROVIDERS, type ProviderContract } from './providers.ts';
export type { CaptchaProvider, CaptchaOutcome, CaptchaVerifier } from './verifier.ts';

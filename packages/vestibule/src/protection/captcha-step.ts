// The captcha step: the token from the widget's body field, or from a header for SPA and API
// callers; verified by the configured provider before anything reaches Kratos; fail closed. A token
// is accepted once per edge even if a provider would answer twice (the providers' siteverify already
// refuses reuse: `timeout-or-duplicate`), and it is never logged.
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { CaptchaOutcome, CaptchaVerifier } from '../captcha/verifier.ts';
import type { Logger } from '../lib/logger.ts';

/** SPA and API callers send the token here (forms post it in the provider's own field). */
export const CAPTCHA_HEADER = 'x-captcha-token';
const MAX_TOKEN_LENGTH = 4096;

export class CaptchaStep {
  private readonly used = new LRUCache<string, true>({ max: 100_000, ttl: 10 * 60_000 });

  constructor(
    private readonly verifier: CaptchaVerifier,
    private readonly logger: Logger,
  ) {}

  async check(
    bodyToken: string | undefined,
    headers: Headers,
    remoteAddress: string | undefined,
  ): Promise<CaptchaOutcome> {
    const token = bodyToken ?? headers.get(CAPTCHA_HEADER) ?? '';
    if (!token) return { ok: false, reason: 'missing' };
    if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'invalid' };
    const digest = createHash('sha256').update(token).digest('base64url');
    if (this.used.has(digest)) return { ok: false, reason: 'invalid' };
    this.used.set(digest, true);
    let outcome: CaptchaOutcome;
    try {
      outcome = await this.verifier.verify(token, remoteAddress);
    } catch (err) {
      this.logger.warn('captcha verifier failed', { provider: this.verifier.provider, err });
      outcome = { ok: false, reason: 'unavailable' };
    }
    // The provider never judged it: the user may send the same token again once it answers.
    if (!outcome.ok && outcome.reason === 'unavailable') this.used.delete(digest);
    return outcome;
  }
}

/** What the edge's submit pipeline needs from a captcha provider (issue 12). */
export type CaptchaProvider = 'turnstile' | 'hcaptcha' | 'recaptcha_v3' | 'local';

export type CaptchaOutcome =
  { ok: true } | { ok: false; reason: 'missing' | 'invalid' | 'unavailable' };

export interface CaptchaVerifier {
  readonly provider: CaptchaProvider;
  /** Public, rendered into the page's widget. */
  readonly siteKey: string;
  /** Server-side check of one token; 'unavailable' when the provider cannot answer (fail closed). */
  verify(token: string, remoteAddress: string | undefined): Promise<CaptchaOutcome>;
}

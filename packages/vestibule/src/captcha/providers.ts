// Each provider's documented contract in one table: where its siteverify endpoint is, which form
// field its widget fills, which script and origins the page must allow, and its published test keys
// (Cloudflare "Test your Turnstile implementation", hCaptcha "Integration testing: test keys",
// Google reCAPTCHA FAQ). `local` is Vestibule's own local verifier, with Turnstile's contract.
import type { CaptchaProvider } from './verifier.ts';

export interface ProviderContract {
  /** Production siteverify endpoint (form-encoded POST: secret, response, remoteip). */
  siteverifyURL: string | undefined;
  /** Path of the same endpoint on the local verifier. */
  localPath: string;
  /** The form field the provider's widget fills with its token. */
  responseField: string;
  /** The error code the provider answers for a spent or expired token. */
  spentTokenError: string;
  /** Longest token the provider issues; longer input is refused without asking. */
  maxTokenLength: number;
  /** The widget's script (`local`: a path on the local verifier). */
  scriptSrc: string;
  /** Sources the page's CSP must allow for the widget, per directive (each provider's CSP guide). */
  csp: CaptchaCSPSources;
}

export interface CaptchaCSPSources {
  script: readonly string[];
  frame: readonly string[];
  connect: readonly string[];
  style: readonly string[];
}

const sources = (script: string[], frame: string[], connect: string[] = [], style: string[] = []) =>
  Object.freeze({ script, frame, connect, style });

const HCAPTCHA = ['https://hcaptcha.com', 'https://*.hcaptcha.com'];

export const PROVIDERS: Readonly<Record<CaptchaProvider, ProviderContract>> = Object.freeze({
  turnstile: {
    siteverifyURL: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
    localPath: '/turnstile/v0/siteverify',
    responseField: 'cf-turnstile-response',
    spentTokenError: 'timeout-or-duplicate',
    // Cloudflare documents 2048 characters as the maximum token length.
    maxTokenLength: 2048,
    scriptSrc: 'https://challenges.cloudflare.com/turnstile/v0/api.js',
    csp: sources(['https://challenges.cloudflare.com'], ['https://challenges.cloudflare.com']),
  },
  hcaptcha: {
    siteverifyURL: 'https://api.hcaptcha.com/siteverify',
    localPath: '/siteverify',
    responseField: 'h-captcha-response',
    spentTokenError: 'invalid-or-already-seen-response',
    maxTokenLength: 16_384,
    scriptSrc: 'https://js.hcaptcha.com/1/api.js',
    csp: sources(HCAPTCHA, HCAPTCHA, HCAPTCHA, HCAPTCHA),
  },
  recaptcha_v3: {
    siteverifyURL: 'https://www.google.com/recaptcha/api/siteverify',
    localPath: '/recaptcha/api/siteverify',
    responseField: 'g-recaptcha-response',
    spentTokenError: 'timeout-or-duplicate',
    maxTokenLength: 16_384,
    scriptSrc: 'https://www.google.com/recaptcha/api.js',
    csp: sources(
      ['https://www.google.com/recaptcha/', 'https://www.gstatic.com/recaptcha/'],
      ['https://www.google.com/recaptcha/', 'https://recaptcha.google.com/recaptcha/'],
    ),
  },
  local: {
    siteverifyURL: undefined,
    localPath: '/local/siteverify',
    responseField: 'local-captcha-response',
    spentTokenError: 'timeout-or-duplicate',
    maxTokenLength: 2048,
    // Origin-relative: the pages prefix the local verifier's URL and allow that origin.
    scriptSrc: '/local/api.js',
    csp: sources([], []),
  },
});

/** Published test keys: a widget on a test site key yields a token the matching test secret judges. */
export const TEST_KEYS = Object.freeze({
  turnstile: {
    siteKeyPass: '1x00000000000000000000AA',
    siteKeyFail: '2x00000000000000000000AB',
    secretPass: '1x0000000000000000000000000000000AA',
    secretFail: '2x0000000000000000000000000000000AA',
    /** Answers "token already spent" (timeout-or-duplicate) for any token. */
    secretSpent: '3x0000000000000000000000000000000AA',
    /** What the test site keys hand the browser. */
    dummyToken: 'XXXX.DUMMY.TOKEN.XXXX',
  },
  hcaptcha: {
    siteKeyPass: '10000000-ffff-ffff-ffff-000000000001',
    secretPass: '0x0000000000000000000000000000000000000000',
    /** The only token the test secret accepts; any other gets `not-using-dummy-passcode`. */
    dummyToken: '10000000-aaaa-bbbb-cccc-000000000001',
  },
  recaptcha_v3: {
    // Google publishes one always-pass pair (documented for v2; siteverify answers the same way).
    siteKeyPass: '6LeIxAcTAAAAAJcZVRqyHh71UMIEGNQ_MXjiZKhI',
    secretPass: '6LeIxAcTAAAAAGG-vFI1TnRWxMZNFuojJ4WifJWe',
  },
} as const);

export const CAPTCHA_PROVIDERS: readonly CaptchaProvider[] = Object.freeze(
  Object.keys(PROVIDERS) as CaptchaProvider[],
);

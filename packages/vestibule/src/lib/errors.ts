// One error base with stable string codes (panva/jose style). Only `publicMessage` ever reaches a browser.

/**
 * Every code a client or a caller can see, in one union: thrown `VestibuleError`s and the access
 * decisions (deny, login refusal, upstream failure) share it, and every JSON error body carries one
 * as `error.code`. Stable: clients switch on them, so add, never rename.
 */
export type ErrorCode =
  // The identity service (Kratos) could not answer usefully.
  | 'KRATOS_UNAVAILABLE'
  | 'KRATOS_TIMEOUT'
  | 'KRATOS_BAD_RESPONSE'
  // The OAuth2 server (Hydra's admin API) could not answer usefully, or refused a challenge.
  | 'HYDRA_UNAVAILABLE'
  | 'HYDRA_CHALLENGE_INVALID'
  // The app behind the gateway could not answer.
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  // Access decisions (gateway, requireUser, the Next.js middleware).
  | 'SESSION_REQUIRED'
  | 'SESSION_AAL2_REQUIRED'
  | 'SESSION_NOT_VISIBLE'
  | 'FORBIDDEN'
  | 'NO_MATCHING_RULE'
  | 'IDENTITY_UNAVAILABLE'
  | 'PERMISSION_UNAVAILABLE'
  | 'BAD_REQUEST_TARGET'
  | 'CROSS_SITE_REQUEST'
  | 'RATE_LIMITED'
  // Hydra access tokens at the gateway: inactive (401) or without a scope the rule needs (403).
  | 'INVALID_TOKEN'
  | 'INSUFFICIENT_SCOPE'
  // Requests the edge itself refuses.
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'REQUEST_TIMEOUT'
  | 'PAYLOAD_TOO_LARGE'
  | 'MISDIRECTED_REQUEST'
  // Login protection (issue 12): lockout and throttles, the captcha step.
  | 'TOO_MANY_ATTEMPTS'
  | 'CAPTCHA_FAILED'
  | 'CAPTCHA_UNAVAILABLE'
  // Startup and everything unexpected.
  | 'CONFIG_INVALID'
  | 'INTERNAL';

export class VestibuleError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Safe to show to an end user; never contains hostnames, stack traces or upstream bodies. */
  readonly publicMessage: string;

  constructor(
    code: ErrorCode,
    message: string,
    options: { status?: number; publicMessage?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.publicMessage = options.publicMessage ?? 'Something went wrong.';
  }
}

/** Kratos could not be reached or answered too slowly: protected routes must fail closed on this. */
export class KratosUnavailable extends VestibuleError {
  constructor(message: string, options: { cause?: unknown; timeout?: boolean } = {}) {
    super(options.timeout ? 'KRATOS_TIMEOUT' : 'KRATOS_UNAVAILABLE', message, {
      status: options.timeout ? 504 : 502,
      publicMessage: 'The identity service is not reachable right now. Please try again shortly.',
      cause: options.cause,
    });
  }
}

export class ConfigError extends VestibuleError {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super('CONFIG_INVALID', `config: ${key}: ${message}`, { status: 500 });
  }
}

// One error base with stable string codes (panva/jose style). Only `publicMessage` ever reaches a browser.

export type VestibuleErrorCode =
  | 'KRATOS_UNAVAILABLE'
  | 'KRATOS_TIMEOUT'
  | 'KRATOS_BAD_RESPONSE'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_TIMEOUT'
  | 'CONFIG_INVALID'
  | 'BAD_REQUEST'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'SIGNATURE_INVALID'
  | 'FLOW_EXPIRED'
  | 'INTERNAL';

export class VestibuleError extends Error {
  readonly code: VestibuleErrorCode;
  readonly status: number;
  /** Safe to show to an end user; never contains hostnames, stack traces or upstream bodies. */
  readonly publicMessage: string;

  constructor(
    code: VestibuleErrorCode,
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

// Kratos's generic error envelope: every error body is { error: { id?, code, status, reason?, message, details? } }.
// See shared/docs/kratos-contract.md "Errors" and the `errorGeneric` schema in Kratos's OpenAPI spec.
import { STATUS_CODES } from 'node:http';

export interface KratosErrorBody {
  id?: string;
  code: number;
  status: string;
  reason?: string;
  message: string;
  request?: string;
  details?: Record<string, unknown>;
}

/** A failure that maps 1:1 to a Kratos error response. Throw it from a handler; the router renders it. */
export class KratosError extends Error {
  readonly code: number;
  readonly id: string | undefined;
  readonly reason: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Extra top-level fields Kratos puts beside `error` (e.g. `redirect_browser_to`, `use_flow_id`). */
  readonly extra: Record<string, unknown> | undefined;

  constructor(
    code: number,
    message: string,
    options: {
      id?: string;
      reason?: string;
      details?: Record<string, unknown>;
      extra?: Record<string, unknown>;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'KratosError';
    this.code = code;
    this.id = options.id;
    this.reason = options.reason;
    this.details = options.details;
    this.extra = options.extra;
  }

  toBody(requestId?: string): { error: KratosErrorBody } & Record<string, unknown> {
    const error: KratosErrorBody = {
      code: this.code,
      status: STATUS_CODES[this.code] ?? 'Error',
      message: this.message,
    };
    if (this.id) error.id = this.id;
    if (this.reason) error.reason = this.reason;
    if (this.details) error.details = this.details;
    if (requestId) error.request = requestId;
    return { error, ...(this.extra ?? {}) };
  }
}

// Shorthands for the generic (id-less) errors Kratos returns most.
export const badRequest = (reason: string, details?: Record<string, unknown>) =>
  new KratosError(400, 'The request was malformed or contained invalid parameters', {
    reason,
    ...(details ? { details } : {}),
  });
/**
 * A missing record is Kratos's sqlcon.ErrNoRows: "Unable to locate the resource" and no reason
 * (flows, identities, sessions…); with a reason it is herodot.ErrNotFound.
 */
export const notFound = (reason?: string) =>
  reason
    ? new KratosError(404, 'The requested resource could not be found', { reason })
    : new KratosError(404, 'Unable to locate the resource');
export const unauthorized = (reason: string, id?: string) =>
  new KratosError(401, 'The request could not be authorized', { reason, ...(id ? { id } : {}) });
export const forbidden = (reason: string, id?: string) =>
  new KratosError(403, 'The requested action was forbidden', { reason, ...(id ? { id } : {}) });
export const conflict = (reason: string) =>
  new KratosError(409, 'The resource could not be created due to a conflict', { reason });
export const payloadTooLarge = (limit: number) =>
  new KratosError(413, 'The request body is too large', {
    reason: `The request body exceeds the limit of ${limit} bytes.`,
  });
export const unsupportedMediaType = (type: string) =>
  new KratosError(415, 'The request content type is not supported', {
    reason: `Content-Type "${type}" is not supported; use application/json or application/x-www-form-urlencoded.`,
  });
export const internal = (cause: unknown) =>
  new KratosError(
    500,
    'An internal server error occurred, please contact the system administrator',
    {
      cause,
    },
  );

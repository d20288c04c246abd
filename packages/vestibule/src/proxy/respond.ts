// The proxy's own answers (404 for paths that are not Kratos's public API, 405, 408, 413, 400, and
// 502/504 when Kratos is down or slow), in the one error body shape (lib/error-body.ts). They carry
// the request id and nothing about the upstream: no host names, no upstream messages (those go to
// the log).
import { errorResponse, prefersHTML } from '../lib/error-body.ts';
import type { ErrorCode } from '../lib/errors.ts';

type OwnStatus = 400 | 404 | 405 | 408 | 413 | 502 | 504;

const ANSWERS: Record<OwnStatus, { code: ErrorCode; message: string }> = {
  400: { code: 'BAD_REQUEST', message: 'The request body could not be read.' },
  404: { code: 'NOT_FOUND', message: 'The requested resource could not be found.' },
  405: { code: 'METHOD_NOT_ALLOWED', message: 'The request method is not supported.' },
  408: { code: 'REQUEST_TIMEOUT', message: 'The request body did not arrive in time.' },
  413: { code: 'PAYLOAD_TOO_LARGE', message: 'The request body is too large.' },
  502: {
    code: 'KRATOS_UNAVAILABLE',
    message: 'The identity service is not reachable right now. Please try again shortly.',
  },
  504: {
    code: 'KRATOS_TIMEOUT',
    message: 'The identity service did not answer in time. Please try again shortly.',
  },
};

/** Kratos negotiates HTML for browsers and JSON for API clients (x.AcceptsJSON); we do the same. */
export function ownErrorResponse(
  status: OwnStatus,
  requestId: string,
  accept: string | null,
): Response {
  return errorResponse({ status, ...ANSWERS[status], requestId }, prefersHTML(accept));
}

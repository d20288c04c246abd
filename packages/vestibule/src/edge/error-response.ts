// The edge's own error responses, in the one error body shape (lib/error-body.ts). Only a
// VestibuleError's `publicMessage` reaches the client; anything else is a plain 500.
import { errorResponse, prefersHTML, type ErrorDetails } from '../lib/error-body.ts';
import { VestibuleError } from '../lib/errors.ts';

export function toEdgeError(err: unknown, requestId: string): ErrorDetails {
  if (err instanceof VestibuleError) {
    return { status: err.status, code: err.code, message: err.publicMessage, requestId };
  }
  return { status: 500, code: 'INTERNAL', message: 'Something went wrong.', requestId };
}

/** Browsers (Accept: text/html) get a page; everything else gets JSON. */
export function edgeErrorResponse(request: Request, details: ErrorDetails): Response {
  return errorResponse(details, prefersHTML(request.headers.get('accept')));
}

/** A path no part answers (or a mounted part declines): the edge's own 404. */
export function notFound(request: Request, requestId: string): Response {
  return edgeErrorResponse(request, {
    status: 404,
    code: 'NOT_FOUND',
    message: 'Not found.',
    requestId,
  });
}

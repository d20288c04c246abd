// The proxy's own answers (404 for paths that are not Kratos's public API, 413, 502/504 when Kratos
// is down or slow), shaped like Kratos's error envelope so clients handle them the same way:
// `{ "error": { "code", "status", "message", "reason", "request" } }`. They carry the request id and
// nothing about the upstream: no host names, no upstream messages (those go to the log).

type OwnStatus = 400 | 404 | 405 | 408 | 413 | 502 | 504;

const TEXT: Record<OwnStatus, { status: string; message: string; reason?: string }> = {
  400: { status: 'Bad Request', message: 'The request body could not be read' },
  404: { status: 'Not Found', message: 'The requested resource could not be found' },
  405: { status: 'Method Not Allowed', message: 'The request method is not supported' },
  408: { status: 'Request Timeout', message: 'The request body did not arrive in time' },
  413: { status: 'Payload Too Large', message: 'The request body is too large' },
  502: {
    status: 'Bad Gateway',
    message: 'The identity service is not reachable right now',
    reason: 'Please try again shortly.',
  },
  504: {
    status: 'Gateway Timeout',
    message: 'The identity service did not answer in time',
    reason: 'Please try again shortly.',
  },
};

/** Kratos negotiates HTML for browsers and JSON for API clients (x.AcceptsJSON); we do the same. */
export function prefersHTML(accept: string | null): boolean {
  if (!accept) return false;
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
}

export function ownErrorResponse(
  status: OwnStatus,
  requestId: string,
  accept: string | null,
): Response {
  const text = TEXT[status];
  const headers = new Headers({ 'cache-control': 'no-store', 'x-request-id': requestId });
  if (prefersHTML(accept)) {
    headers.set('content-type', 'text/html; charset=utf-8');
    return new Response(errorPage(status, text.message, requestId), { status, headers });
  }
  headers.set('content-type', 'application/json; charset=utf-8');
  const error = {
    code: status,
    status: text.status,
    message: text.message,
    ...(text.reason ? { reason: text.reason } : {}),
    request: requestId,
  };
  return new Response(JSON.stringify({ error }), { status, headers });
}

function errorPage(status: number, message: string, requestId: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${status} ${escapeHTML(message)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>${escapeHTML(message)}</h1>
<p>Please try again in a moment.</p>
<p><small>Request id: <code>${escapeHTML(requestId)}</code></small></p></main></body></html>
`;
}

function escapeHTML(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

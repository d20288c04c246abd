// The edge's own error responses: JSON for API callers, a small HTML page for browsers, both with the
// request id so a user report can be matched to the log line. Only `publicMessage` reaches the client
// (never hostnames, upstream bodies or stack traces: the @fastify/reply-from / Auth.js habit).
import { VestibuleError } from '../lib/errors.ts';

export interface EdgeErrorDetails {
  status: number;
  code: string;
  message: string;
  requestId: string;
}

export function toEdgeError(err: unknown, requestId: string): EdgeErrorDetails {
  if (err instanceof VestibuleError) {
    return { status: err.status, code: err.code, message: err.publicMessage, requestId };
  }
  return { status: 500, code: 'INTERNAL', message: 'Something went wrong.', requestId };
}

/** Browsers (Accept: text/html) get a page; everything else gets JSON. */
export function wantsHTML(request: Request): boolean {
  const accept = request.headers.get('accept') ?? '';
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html !== -1 && (json === -1 || html < json);
}

export function errorResponse(request: Request, details: EdgeErrorDetails): Response {
  const headers = new Headers({
    'x-request-id': details.requestId,
    'cache-control': 'no-store',
  });
  if (!wantsHTML(request)) {
    headers.set('content-type', 'application/json; charset=utf-8');
    const body = {
      error: {
        code: details.code,
        status: details.status,
        message: details.message,
        request_id: details.requestId,
      },
    };
    return new Response(JSON.stringify(body), { status: details.status, headers });
  }
  headers.set('content-type', 'text/html; charset=utf-8');
  headers.set('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
  return new Response(renderErrorPage(details), { status: details.status, headers });
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign-in required',
  403: 'Access denied',
  404: 'Page not found',
  413: 'Request too large',
  500: 'Something went wrong',
  502: 'Service unavailable',
  503: 'Service unavailable',
  504: 'Service timed out',
};

function renderErrorPage(details: EdgeErrorDetails): string {
  const title = TITLES[details.status] ?? 'Error';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHTML(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2937}
h1{font-size:1.5rem}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:.25rem}a{color:#4f46e5}</style>
</head><body><main>
<h1>${escapeHTML(title)}</h1>
<p>${escapeHTML(details.message)}</p>
<p><small>Status ${details.status} · request id <code>${escapeHTML(details.requestId)}</code></small></p>
<p><a href="/">Back to the start page</a></p>
</main></body></html>`;
}

export function escapeHTML(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

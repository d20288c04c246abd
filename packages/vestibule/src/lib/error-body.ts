// The one error body every client-facing error uses, JSON for API callers and a small page for
// browsers, both with the request id so a user report can be matched to the log line:
//   {"error": {"code": "SESSION_REQUIRED", "status": 401, "message": "…", "request_id": "…"}}
// Only client-safe messages go in (never hostnames, upstream bodies or stack traces: the
// @fastify/reply-from / Auth.js habit); details go to the log.
import type { ErrorCode } from './errors.ts';
import { escapeHTML } from './html.ts';

export interface ErrorDetails {
  status: number;
  code: ErrorCode;
  /** Safe to show to end users. */
  message: string;
  requestId: string;
}

export interface ErrorBody {
  headers: Record<string, string>;
  body: string;
}

/** Headers and body of an error answer; `html` picks the page over JSON. */
export function errorBody(details: ErrorDetails, html: boolean): ErrorBody {
  const headers = { 'cache-control': 'no-store', 'x-request-id': details.requestId };
  if (!html) {
    return {
      headers: { ...headers, 'content-type': 'application/json; charset=utf-8' },
      body: errorJSON(details),
    };
  }
  return {
    headers: {
      ...headers,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
    },
    body: errorPage(details),
  };
}

/** The same answer as a Web `Response`. */
export function errorResponse(details: ErrorDetails, html: boolean): Response {
  const { headers, body } = errorBody(details, html);
  return new Response(body, { status: details.status, headers });
}

export function errorJSON(details: ErrorDetails): string {
  const { code, status, message, requestId } = details;
  return JSON.stringify({ error: { code, status, message, request_id: requestId } });
}

/**
 * Browser or API, for answers that are not access decisions: Kratos's own rule (x.AcceptsJSON),
 * HTML only when the Accept header names it before JSON. Access decisions use `wantsHTML`.
 */
export function prefersHTML(accept: string | null): boolean {
  if (!accept) return false;
  const html = accept.indexOf('text/html');
  const json = accept.indexOf('application/json');
  return html >= 0 && (json < 0 || html < json);
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Sign-in required',
  403: 'Access denied',
  404: 'Page not found',
  405: 'Method not allowed',
  408: 'Request timed out',
  413: 'Request too large',
  421: 'Misdirected request',
  429: 'Too many attempts',
  500: 'Something went wrong',
  502: 'Service unavailable',
  503: 'Service unavailable',
  504: 'Service timed out',
};

function errorPage(details: ErrorDetails): string {
  const title = TITLES[details.status] ?? 'Error';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHTML(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2937}
h1{font-size:1.5rem}code{background:#f3f4f6;padding:.1rem .3rem;border-radius:.25rem}a{color:#4f46e5}</style>
</head><body><main>
<h1>${escapeHTML(details.message)}</h1>
<p><small>${escapeHTML(title)} (${details.status}) · Request id: <code>${escapeHTML(details.requestId)}</code></small></p>
<p><a href="/">Back to the start page</a></p>
</main></body></html>`;
}

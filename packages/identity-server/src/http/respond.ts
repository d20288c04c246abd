// Build HTTP once at the boundary: handlers return Web `Response`s made by these helpers.
import { KratosError, internal } from './errors.ts';

export function json(body: unknown, status = 200, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set('content-type', 'application/json; charset=utf-8');
  h.set('cache-control', 'private, no-cache, no-store, must-revalidate');
  return new Response(JSON.stringify(body), { status, headers: h });
}

export function redirect(location: string, status = 303, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  h.set('location', location);
  h.set('cache-control', 'private, no-cache, no-store, must-revalidate');
  return new Response(null, { status, headers: h });
}

export function noContent(headers?: HeadersInit): Response {
  return new Response(null, { status: 204, headers });
}

/** Render any thrown value as a Kratos error envelope; unknown errors become a 500 without internals. */
export function errorResponse(err: unknown, requestId?: string, headers?: HeadersInit): Response {
  const kratosError = err instanceof KratosError ? err : internal(err);
  return json(kratosError.toBody(requestId), kratosError.code, headers);
}

/** True when the client asked for JSON (Kratos decides browser-vs-API responses on `Accept`). */
export function wantsJSON(request: Request): boolean {
  const accept = request.headers.get('accept') ?? '';
  return /\bapplication\/json\b/i.test(accept);
}

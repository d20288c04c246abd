// serve.public.cors as Kratos applies it: rs/cors in front of the public router. The headers are
// written by hono's CORS middleware; what decides whether a request gets them follows rs/cors:
// only requests with an Origin are CORS requests; a preflight is OPTIONS with
// Access-Control-Request-Method; an origin matches the list exactly (case-insensitively), through
// `*` (every origin, answered with `*`) or through one `*` wildcard inside an origin
// (`https://*.example.com`); a preflight asking for a method or header outside the lists, or from
// an origin outside them, gets no CORS headers (204, or the route's own answer with
// options_passthrough).
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import type { Logger } from '../x/log.ts';

/** serve.public.cors as Kratos reads it (rs/cors options; defaults in config/spec.ts). */
export interface CORSConfig {
  enabled: boolean;
  allowed_origins: string[];
  allowed_methods: string[];
  allowed_headers: string[];
  exposed_headers: string[];
  allow_credentials: boolean;
  options_passthrough: boolean;
  max_age: number;
  debug: boolean;
}

export type Handler = (request: Request, clientAddress?: string) => Promise<Response>;

/** rs/cors: an origin pattern with at most one `*`, compared lower-cased. */
export function originMatcher(allowed: readonly string[]): (origin: string) => boolean {
  if (allowed.includes('*')) return () => true;
  const patterns = allowed.map((entry) => {
    const lower = entry.toLowerCase();
    const star = lower.indexOf('*');
    return star < 0
      ? { exact: lower }
      : { prefix: lower.slice(0, star), suffix: lower.slice(star + 1) };
  });
  return (origin) => {
    const lower = origin.toLowerCase();
    return patterns.some((p) =>
      'exact' in p
        ? p.exact === lower
        : lower.length >= p.prefix.length + p.suffix.length &&
          lower.startsWith(p.prefix) &&
          lower.endsWith(p.suffix),
    );
  };
}

/** Wraps the public handler with CORS when serve.public.cors.enabled; otherwise returns it as is. */
export function withCORS(config: CORSConfig | undefined, log: Logger, inner: Handler): Handler {
  if (!config?.enabled) return inner;
  const allowsAll = config.allowed_origins.includes('*');
  const originAllowed = originMatcher(config.allowed_origins);
  const methods = new Set(config.allowed_methods.map((m) => m.toUpperCase()));
  // rs/cors always allows the Origin header; `*` allows any header.
  const headers = new Set(['origin', ...config.allowed_headers.map((h) => h.toLowerCase())]);
  const headersAllowed = (requested: string) =>
    headers.has('*') ||
    requested
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean)
      .every((h) => headers.has(h));
  const debug = (msg: string, fields: Record<string, unknown>) => {
    if (config.debug) log('info', `cors: ${msg}`, fields);
  };

  const app = new Hono<{ Bindings: { clientAddress?: string } }>();
  app.use(
    '*',
    cors({
      origin: (origin) => (allowsAll ? '*' : origin),
      allowMethods: config.allowed_methods,
      allowHeaders: config.allowed_headers,
      exposeHeaders: config.exposed_headers,
      credentials: config.allow_credentials,
      ...(config.max_age > 0 ? { maxAge: config.max_age } : {}),
    }),
  );
  app.all('*', (c) => inner(c.req.raw, c.env?.clientAddress));
  const decorate = (request: Request, clientAddress?: string) =>
    app.fetch(request, clientAddress ? { clientAddress } : {});

  return async (request, clientAddress) => {
    const origin = request.headers.get('origin');
    if (!origin) return inner(request, clientAddress);
    const requestedMethod = request.headers.get('access-control-request-method');
    const preflight = request.method === 'OPTIONS' && requestedMethod !== null;
    if (!originAllowed(origin)) {
      debug('origin not allowed', { origin });
      return preflight && !config.options_passthrough
        ? new Response(null, { status: 204, headers: { vary: 'Origin' } })
        : inner(request, clientAddress);
    }
    if (preflight) {
      const requestedHeaders = request.headers.get('access-control-request-headers') ?? '';
      if (!methods.has(requestedMethod.toUpperCase()) || !headersAllowed(requestedHeaders)) {
        debug('preflight refused', { origin, method: requestedMethod, headers: requestedHeaders });
        return config.options_passthrough
          ? inner(request, clientAddress)
          : new Response(null, { status: 204, headers: { vary: 'Origin' } });
      }
      const answer = await decorate(request, clientAddress);
      if (!config.options_passthrough) return answer;
      // The route answers the OPTIONS itself, with the preflight's headers on top.
      const passed = await inner(request, clientAddress);
      answer.headers.forEach((value, key) => {
        if (key.startsWith('access-control-') || key === 'vary') passed.headers.set(key, value);
      });
      return passed;
    }
    // An actual request: only the OPTIONS that hono would take for a preflight is left alone.
    if (request.method === 'OPTIONS') return inner(request, clientAddress);
    debug('actual request', { origin, method: request.method });
    return decorate(request, clientAddress);
  };
}

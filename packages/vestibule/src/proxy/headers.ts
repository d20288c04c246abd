// Header hygiene in both directions (the @fastify/reply-from habit: pure helpers, tested alone).
import { connectionTokens, HOP_BY_HOP } from '../lib/hop-by-hop.ts';

/**
 * Headers the browser may send on to Kratos. An allowlist, not a denylist: client-sent identity
 * headers, `Forwarded`/`X-Forwarded-*`, `Host` and anything new are dropped by construction.
 * `Accept-Encoding` is deliberately absent: Kratos bodies must arrive uncompressed to be rewritten.
 */
const FORWARDED_REQUEST_HEADERS: readonly string[] = [
  'accept',
  'accept-language',
  'content-type',
  'cookie',
  'user-agent',
  'origin',
  'referer',
  'x-session-token',
  'cache-control',
  'pragma',
  'traceparent',
  'tracestate',
];

/** Names listed in a Connection header (RFC 9110 §7.6.1): they are hop-by-hop for this message. */
export function connectionNamed(headers: Headers): ReadonlySet<string> {
  const value = headers.get('connection');
  return (value && connectionTokens(value)) || NONE;
}

const NONE: ReadonlySet<string> = new Set();

export function isHopByHop(name: string, named: ReadonlySet<string>): boolean {
  const lower = name.toLowerCase();
  return HOP_BY_HOP.has(lower) || named.has(lower);
}

export interface ForwardedView {
  /** The client address as the edge sees it (socket peer), if known. */
  clientAddress?: string;
  /** Incoming X-Forwarded-For, only when forwarding headers are trusted. */
  trustedForwardedFor?: string;
  publicOrigin: URL;
  requestId: string;
}

/** Builds the headers sent to Kratos from the browser's request and the edge's own view of it. */
export function buildUpstreamHeaders(incoming: Headers, view: ForwardedView): Headers {
  return new Headers(upstreamHeaderRecord(incoming, view));
}

const FORWARDED: ReadonlySet<string> = new Set(FORWARDED_REQUEST_HEADERS);

/**
 * {@link buildUpstreamHeaders} as a plain object (lower-case names), which the transport hands to
 * undici as is. One pass over the incoming headers instead of a `get` per allowed name: WHATWG
 * `Headers.get` validates its argument every time, and this runs on every proxied request.
 */
export function upstreamHeaderRecord(
  incoming: Headers,
  view: ForwardedView,
): Record<string, string> {
  const out: Record<string, string> = {};
  let connection: string | undefined;
  let authorization: string | undefined;
  incoming.forEach((value, name) => {
    if (FORWARDED.has(name)) out[name] = value;
    else if (name === 'authorization') authorization = value;
    else if (name === 'connection') connection = value;
  });
  if (connection !== undefined) {
    for (const named of connectionTokens(connection) ?? NONE) delete out[named];
  }
  // Kratos only understands `Bearer <session token>`; a Basic credential meant for the app stays here.
  if (
    authorization !== undefined &&
    /^bearer\s/i.test(authorization) &&
    (connection === undefined || !connectionTokens(connection)?.has('authorization'))
  ) {
    out.authorization = authorization;
  }
  const chain = [view.trustedForwardedFor, view.clientAddress].filter(
    (v): v is string => typeof v === 'string' && v.trim() !== '',
  );
  if (chain.length > 0) out['x-forwarded-for'] = chain.join(', ');
  out['x-forwarded-proto'] = view.publicOrigin.protocol.slice(0, -1);
  out['x-forwarded-host'] = view.publicOrigin.host;
  out['x-request-id'] = view.requestId;
  // Undici adds `accept-encoding: gzip, deflate` when absent and then decodes transparently, leaving a
  // stale Content-Encoding header; ask for identity so what we rewrite is what Kratos wrote.
  out['accept-encoding'] = 'identity';
  return out;
}

/**
 * The request body length the client declared. `undefined` without a Content-Length, or with a
 * Transfer-Encoding, which overrides it (RFC 9112 §6.3); `'invalid'` unless the value is 1*DIGIT
 * (RFC 9110 §8.6): a list such as `5, 5` or a sign is refused rather than guessed at.
 * Content-Length stays off the allowlist above: the proxy forwards it only for a body it meters
 * against this value, so what Kratos is told always matches the bytes it gets (no smuggling).
 */
export function declaredContentLength(incoming: Headers): number | 'invalid' | undefined {
  const value = incoming.get('content-length');
  if (value === null || incoming.has('transfer-encoding')) return undefined;
  if (!/^\d{1,15}$/.test(value)) return 'invalid';
  return Number(value);
}

/**
 * Response headers to pass back, minus hop-by-hop ones, minus those handled separately
 * (Set-Cookie, Location) and minus the framing that the proxy recomputes (Content-Length,
 * Content-Encoding: fetch has already decoded the body).
 */
export function copyResponseHeaders(upstream: Headers): Headers {
  const named = connectionNamed(upstream);
  const out = new Headers();
  for (const [name, value] of upstream) {
    if (isHopByHop(name, named)) continue;
    if (RECOMPUTED.has(name)) continue;
    out.append(name, value);
  }
  return out;
}

const RECOMPUTED: ReadonlySet<string> = new Set([
  'set-cookie',
  'location',
  'content-length',
  'content-encoding',
]);

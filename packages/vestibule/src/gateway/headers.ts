// Request/response header hygiene for the proxy hop, as pure functions over Node's rawHeaders
// (flat [name, value, …] with the client's own spelling and every duplicate), so nothing a client
// sends can slip past a lower-cased lookup.
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/**
 * Identity headers a client must never be able to set. Names are compared after lower-casing and
 * mapping `_` and `.` to `-`, because CGI-style stacks (Rack, WSGI, PHP) map `X_User_Id`,
 * `X-User-Id` and `X.User.Id` to the same `HTTP_X_USER_ID`.
 */
const IDENTITY_PREFIXES = [
  'x-user-',
  'x-vestibule-',
  'x-auth-request-',
  'x-forwarded-user',
  'x-forwarded-email',
  'x-forwarded-groups',
  'x-forwarded-preferred-username',
];
const IDENTITY_NAMES = new Set([
  'x-user',
  'x-userid',
  'x-email',
  'x-role',
  'x-roles',
  'remote-user',
  'x-remote-user',
  'x-authenticated-user',
  'x-authenticated-userid',
  'x-kratos-authenticated-identity-id',
]);

export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/[_.]/g, '-');
}

export function isIdentityHeader(name: string, extra?: ReadonlySet<string>): boolean {
  // Hot path: every built-in name starts with x or r; skip the rest unless extra names are set.
  const first = name.charCodeAt(0) | 0x20;
  if (first !== 0x78 && first !== 0x72 && !extra?.size) return false;
  const canonical = canonicalHeaderName(name);
  if (IDENTITY_NAMES.has(canonical) || extra?.has(canonical)) return true;
  return IDENTITY_PREFIXES.some((prefix) => canonical.startsWith(prefix));
}

/** Names listed in `Connection` (RFC 9110 §7.6.1): hop-by-hop for this message only. */
function connectionListed(values: readonly string[]): Set<string> | undefined {
  let listed: Set<string> | undefined;
  for (const value of values) {
    for (const token of value.split(',')) {
      const name = token.trim().toLowerCase();
      if (name) (listed ??= new Set()).add(name);
    }
  }
  return listed;
}

/** Set by the gateway itself after filtering (trusted X-Forwarded-For is appended to, see forwardedHeaders). */
// `expect: 100-continue` is answered by the edge's own Node server (RFC 9110 §10.1.1: a proxy
// handles it per hop); undici refuses to send it, so it never goes upstream.
const GATEWAY_OWNED = new Set([
  'expect',
  'host',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  'forwarded',
  'x-request-id',
]);

export interface FilterOptions {
  extraIdentityHeaders?: ReadonlySet<string>;
  /** Keep Connection/Upgrade (WebSocket handshake). */
  keepUpgrade?: boolean;
}

/** Flat [name, value, …] for the upstream: no hop-by-hop, no identity, no gateway-owned headers. */
export function filterRequestHeaders(
  rawHeaders: readonly string[],
  options: FilterOptions = {},
): string[] {
  const connection: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'connection') connection.push(rawHeaders[i + 1]!);
  }
  const listed = connection.length ? connectionListed(connection) : undefined;
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (isIdentityHeader(name, options.extraIdentityHeaders)) continue;
    if (options.keepUpgrade && (lower === 'connection' || lower === 'upgrade')) continue; // re-added
    if (HOP_BY_HOP.has(lower) || listed?.has(lower)) continue;
    if (GATEWAY_OWNED.has(lower)) continue;
    out.push(name, rawHeaders[i + 1]!);
  }
  return out;
}

/** Response headers from undici (lower-cased object) minus hop-by-hop ones. */
export function filterResponseHeaders(
  headers: Record<string, string | string[] | undefined>,
): Record<string, string | string[]> {
  const connection = headers.connection;
  const listed = connection
    ? connectionListed(Array.isArray(connection) ? connection : [connection])
    : undefined;
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name) && !listed?.has(name)) out[name] = value;
  }
  return out;
}

export interface ForwardedInfo {
  clientIP: string;
  host: string;
  proto: 'http' | 'https';
  requestId: string;
  /** Existing X-Forwarded-For when trusted, to append to. */
  priorFor?: string;
}

export function forwardedHeaders(info: ForwardedInfo): string[] {
  const forwardedFor = info.priorFor ? `${info.priorFor}, ${info.clientIP}` : info.clientIP;
  return [
    'x-forwarded-for',
    forwardedFor,
    'x-forwarded-host',
    info.host,
    'x-forwarded-proto',
    info.proto,
    'x-request-id',
    info.requestId,
  ];
}

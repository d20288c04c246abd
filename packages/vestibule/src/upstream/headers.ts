// Request/response header hygiene for the proxy hop, as pure functions over Node's rawHeaders
// (flat [name, value, …] with the client's own spelling and every duplicate), so nothing a client
// sends can slip past a lower-cased lookup.
import { connectionTokens, HOP_BY_HOP } from '../lib/hop-by-hop.ts';
import { DEFAULT_SESSION_COOKIE } from '../session/credential.ts';

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
  // Not identity, but they change what the upstream serves after the rule was checked: Symfony,
  // Laminas and IIS route on the first two, method-override middleware on the others.
  'x-original-url',
  'x-rewrite-url',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
  // Client-address headers apps read for rate limits, audit logs and allowlists: the edge states the
  // client address in X-Forwarded-For; a client-sent copy of these would be believed instead
  // (CDN-style names included: an app written for a CDN trusts them).
  'x-real-ip',
  'x-client-ip',
  'x-cluster-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-originating-ip',
  'x-remote-ip',
  'x-remote-addr',
  'forwarded-for',
  'x-forwarded',
  // Host, scheme and prefix headers proxy-aware frameworks build links and redirects from (Spring's
  // ForwardedHeaderFilter, Werkzeug's ProxyFix, Rack, ASP.NET): the edge states X-Forwarded-Host and
  // -Proto itself; client-sent variants would poison password-reset links and cached pages.
  'x-forwarded-prefix',
  'x-forwarded-scheme',
  'x-forwarded-protocol',
  'x-forwarded-ssl',
  'x-forwarded-server',
  'x-forwarded-uri',
  'x-forwarded-path',
  'x-forwarded-method',
  'x-original-host',
  'x-original-uri',
  'x-original-method',
  'x-host',
  'x-scheme',
  'x-url-scheme',
  'front-end-https',
]);

// First characters of every built-in name: other headers skip the canonicalisation entirely.
const FIRST_CHARS = new Set(
  [...IDENTITY_NAMES, ...IDENTITY_PREFIXES].map((name) => name.charCodeAt(0)),
);

export function canonicalHeaderName(name: string): string {
  return name.toLowerCase().replace(/[_.]/g, '-');
}

export function isIdentityHeader(name: string, extra?: ReadonlySet<string>): boolean {
  return isLowerIdentityHeader(name.toLowerCase(), extra);
}

/** isIdentityHeader for a name that is already lower-cased (the per-request filter has it). */
function isLowerIdentityHeader(lower: string, extra?: ReadonlySet<string>): boolean {
  // Hot path: most names start with a letter no built-in name starts with (a, c…, h, u…).
  if (!FIRST_CHARS.has(lower.charCodeAt(0)) && !extra?.size) return false;
  const canonical = lower.replace(/[_.]/g, '-');
  if (IDENTITY_NAMES.has(canonical) || extra?.has(canonical)) return true;
  for (const prefix of IDENTITY_PREFIXES) if (canonical.startsWith(prefix)) return true;
  return false;
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

/**
 * The Kratos session credential, removed from every request to an upstream (issue 13): an app that
 * can read it can act as the user at Kratos (change the password, read the identity) and replay it
 * at every other app behind the edge. The edge has already checked it; the app gets signed identity
 * headers instead. Built once per upstream (see sessionCredentialStripper).
 */
export interface SessionCredentialStripper {
  /** The cookie name without a `__Host-`/`__Secure-` prefix: a Cookie header without it is kept as is. */
  readonly base: string;
  /** The configured name and its prefixed variants (RFC 6265bis §4.1.3 cookie prefixes). */
  readonly names: ReadonlySet<string>;
}

export function sessionCredentialStripper(cookieName: string): SessionCredentialStripper {
  const base = cookieName.replace(/^__(?:Host|Secure)-/, '');
  return { base, names: new Set([cookieName, base, `__Host-${base}`, `__Secure-${base}`]) };
}

const DEFAULT_STRIPPER = sessionCredentialStripper(DEFAULT_SESSION_COOKIE);

export interface FilterOptions {
  extraIdentityHeaders?: ReadonlySet<string>;
  /**
   * Which session cookie to strip (default `ory_kratos_session`), or `'forward'`: the upstream opted
   * in (`forward_session_credential`) and gets the cookie, X-Session-Token and Bearer token as sent.
   */
  sessionCredential?: SessionCredentialStripper | 'forward';
}

/** What the one walk over the request headers does with a name: one map lookup per header. */
type Special = 'drop' | 'connection' | 'cookie' | 'session-token' | 'authorization';

const SPECIAL = new Map<string, Special>([
  ...[...HOP_BY_HOP, ...GATEWAY_OWNED].map((name) => [name, 'drop'] as const),
  ['connection', 'connection'],
  ['cookie', 'cookie'],
  ['x-session-token', 'session-token'],
  ['authorization', 'authorization'],
]);

/** A Kratos session token sent as a bearer token (Kratos issues them as `ory_st_…`). */
const KRATOS_BEARER = /^bearer[ \t]+ory_st_/i;

/**
 * Flat [name, value, …] for the upstream: no hop-by-hop, no identity, no gateway-owned headers, no
 * session credential (unless the upstream opted in). Connection and Upgrade always go (a WebSocket
 * handshake gets fresh ones from the forwarder).
 */
export function filterRequestHeaders(
  rawHeaders: readonly string[],
  options: FilterOptions = {},
): string[] {
  // One pass on the hot path; Connection-listed names are rare, so they get a second pass only
  // when some header names something beyond keep-alive/close.
  const extra = options.extraIdentityHeaders;
  const credential = options.sessionCredential ?? DEFAULT_STRIPPER;
  const strip = credential === 'forward' ? undefined : credential;
  let connection: string[] | undefined;
  let out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    let value = rawHeaders[i + 1]!;
    switch (SPECIAL.get(lower)) {
      case undefined:
        break;
      case 'drop':
        continue;
      case 'connection':
        (connection ??= []).push(value);
        continue;
      case 'cookie':
        if (strip && value.includes(strip.base)) {
          value = withoutCookies(value, strip.names);
          if (value === '') continue;
        }
        break;
      case 'session-token':
        if (strip) continue;
        break;
      case 'authorization':
        if (strip && KRATOS_BEARER.test(value)) continue;
        break;
    }
    if (isLowerIdentityHeader(lower, extra)) continue;
    out.push(name, value);
  }
  const listed = connection && connectionTokens(connection);
  if (listed) out = out.filter((_, i, all) => !listed.has(all[i - (i % 2)]!.toLowerCase()));
  return out;
}

/**
 * A Cookie header without the named cookies; every other pair keeps its exact bytes (values are
 * opaque to the edge, see lib/cookies.ts), as if the header were split on `;`, the named pairs
 * dropped and the rest joined again. `''` when nothing is left. Searches for the names instead of
 * splitting every pair: this runs on every request that carries a session cookie.
 */
export function withoutCookies(header: string, names: ReadonlySet<string>): string {
  let out = header;
  for (const name of names) {
    let at = out.indexOf(name);
    while (at !== -1) {
      const pairStart = pairStartOf(out, at);
      if (pairStart === -1 || !endsName(out, at + name.length)) {
        at = out.indexOf(name, at + 1);
        continue;
      }
      const semicolon = out.indexOf(';', at);
      // The last pair takes the `;` before it along; any other pair the `;` after it.
      out =
        semicolon === -1
          ? out.slice(0, Math.max(pairStart - 1, 0))
          : out.slice(0, pairStart) + out.slice(semicolon + 1);
      at = out.indexOf(name, pairStart);
    }
  }
  return out === header ? header : out.replace(/^[ \t]+/, '');
}

/** Where the pair around `at` starts (just after the `;` before it), if only OWS lies between. */
function pairStartOf(header: string, at: number): number {
  let i = at;
  while (i > 0 && isOWS(header.charCodeAt(i - 1))) i--;
  return i === 0 || header.charCodeAt(i - 1) === 0x3b ? i : -1;
}

/** Whether a cookie name ends at `i`: OWS, then `=`, `;` or the end. */
function endsName(header: string, i: number): boolean {
  while (i < header.length && isOWS(header.charCodeAt(i))) i++;
  if (i === header.length) return true;
  const code = header.charCodeAt(i);
  return code === 0x3d || code === 0x3b;
}

function isOWS(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/**
 * Response headers from undici (lower-cased object) minus hop-by-hop ones. `first`: lower-case
 * [name, value] pairs placed ahead of them; an upstream header of the same name replaces one in place.
 */
export function filterResponseHeaders(
  headers: Record<string, string | string[] | undefined>,
  first?: ReadonlyArray<readonly [string, string]>,
): Record<string, string | string[]> {
  const connection = headers.connection;
  const listed = connection
    ? connectionTokens(Array.isArray(connection) ? connection : [connection])
    : undefined;
  const out: Record<string, string | string[]> = {};
  if (first) for (const [name, value] of first) out[name] = value;
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

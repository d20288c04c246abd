// Cookie helpers for the session and CSRF cookies. Only the handful of attributes Kratos sets are
// supported; values we write are base64/base64url, so no quoting is ever needed.

export interface CookieOptions {
  path: string;
  domain?: string;
  sameSite: 'Lax' | 'Strict' | 'None';
  secure: boolean;
  httpOnly: boolean;
  /** Absolute expiry; omitted → a session (browser-lifetime) cookie. */
  expires?: Date;
  /** Seconds; used alongside `expires` as Go's net/http does for persistent cookies. */
  maxAge?: number;
}

/** Parses a `Cookie` request header. Later duplicates do not override the first (as Go's r.Cookie does). */
export function parseCookieHeader(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  // RFC 6265bis §4.1.3: a `__Host-` cookie is Secure, Path=/, without Domain; a `__Secure-` one
  // is Secure. Browsers drop one that breaks its prefix, so the prefix wins over the options
  // (config/cookies.ts already refuses a config that conflicts).
  const host = name.startsWith('__Host-');
  const secure = options.secure || host || name.startsWith('__Secure-');
  const parts = [`${name}=${value}`, `Path=${host ? '/' : options.path}`];
  if (options.domain && !host) parts.push(`Domain=${options.domain}`);
  if (options.expires) parts.push(`Expires=${options.expires.toUTCString()}`);
  if (options.maxAge !== undefined)
    parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAge))}`);
  if (options.httpOnly) parts.push('HttpOnly');
  // SameSite=None is only honoured by browsers together with Secure.
  if (secure || options.sameSite === 'None') parts.push('Secure');
  parts.push(`SameSite=${options.sameSite}`);
  return parts.join('; ');
}

/** A Set-Cookie that deletes `name` (Max-Age=0 plus an expiry in the past). */
export function expireCookie(
  name: string,
  options: Omit<CookieOptions, 'expires' | 'maxAge'>,
): string {
  return serializeCookie(name, '', { ...options, expires: new Date(0), maxAge: 0 });
}

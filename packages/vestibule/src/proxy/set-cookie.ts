// One Set-Cookie line at a time (never a comma-joined header: cookie dates contain commas).
// Kratos sets `Domain=` from `cookies.domain`/`session.cookie.domain`, which names Kratos's own host;
// a browser on the app's origin silently drops such a cookie. We edit attributes only and keep the
// `name=value` pair byte for byte: parse-and-reserialise libraries re-encode values (the CSRF cookie's
// base64 `=` padding, for one), which makes Kratos reject the token. `Path=` names a path on Kratos's
// own host (or, when absent, the browser would default it to the proxied request's directory under
// the proxy prefix): on the app's origin the session cookie must reach every route the gateway and
// the pages serve, so every cookie gets exactly `Path=/` — which is also what a `__Host-` cookie
// must have (with Secure and without Domain), so Kratos's `__Host-` session cookie survives the hop.

export interface SetCookieOptions {
  /** Public origin's scheme decides `Secure` (RFC 6265bis §5.6: http origins cannot set Secure cookies). */
  secure: boolean;
  /** When set, every cookie gets `Domain=<cookieDomain>` (except `__Host-` ones, which forbid it). */
  cookieDomain?: string;
}

export function rewriteSetCookie(line: string, options: SetCookieOptions): string {
  const parts = line.split(';');
  const pair = parts[0] ?? '';
  const kept: string[] = [];
  for (const raw of parts.slice(1)) {
    const attr = raw.trim();
    if (attr === '') continue;
    const name = attr.split('=', 1)[0]!.trim().toLowerCase();
    if (name === 'domain' || name === 'secure' || name === 'path') continue;
    if (name === 'samesite' && !options.secure && /=\s*none\s*$/i.test(attr)) {
      // Browsers reject SameSite=None without Secure; through a same-origin proxy Lax is what
      // Kratos's cookies need anyway (its default), so keep the cookie instead of losing it.
      kept.push('SameSite=Lax');
      continue;
    }
    kept.push(attr);
  }
  kept.unshift('Path=/');
  const cookieName = pair.split('=', 1)[0]!.trim();
  if (options.cookieDomain && !cookieName.startsWith('__Host-')) {
    kept.push(`Domain=${options.cookieDomain}`);
  }
  // RFC 6265bis §4.1.3: browsers drop a `__Secure-`/`__Host-` cookie without Secure, so it keeps
  // Secure even when the public origin is http (only localhost, a secure context, can take it).
  if (options.secure || /^__(?:Secure|Host)-/.test(cookieName)) kept.push('Secure');
  return [pair, ...kept].join('; ');
}

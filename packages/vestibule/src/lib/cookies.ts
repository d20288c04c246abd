// Reading one cookie from a request's Cookie header. The only cookie reader in the package: the
// session credential, the pages' signed cookies and the login-loop counter all read through it, so
// two parts of the edge cannot disagree about how a header is split. Callers that need a different
// reading say so through an option, never through a second parser.
//
// Why not the `cookie` package: it is not a dependency of this package, it builds an object of
// every cookie per call, and it percent-decodes values by default, while ours are opaque bytes
// (Kratos's session value, our own base64url) to be compared or forwarded exactly as sent.

export interface ReadCookieOptions {
  /**
   * Remove one pair of surrounding double quotes. Default `true`: RFC 6265 §4.1.1 lets a
   * cookie-value be quoted and Go's net/http (hence Kratos) strips the quotes before use, so the
   * session credential must be read the same way. `false` keeps the value exactly as sent.
   */
  unquote?: boolean;
}

/**
 * The value of the first cookie called `name` in a Cookie header, or `null` when there is none.
 *
 * - The header is split on `;`. Spaces and tabs around names and values are ignored (RFC 6265
 *   §5.4 joins pairs with `; `); other characters, Unicode spaces included, are kept.
 * - The name is everything before the first `=` and must equal `name` exactly (case-sensitive);
 *   the value is everything after it, so values may contain `=`.
 * - Malformed pieces are skipped, never an error: no `=` (`a`), nothing at all (`;;`), an empty
 *   name (`=x`).
 * - First occurrence wins, even when empty: browsers send the cookie with the most specific path
 *   first (RFC 6265 §5.4 step 2), and Go's `Request.Cookie` (hence Kratos) reads it that way.
 * - Values are never percent-decoded.
 *
 * Never throws for any header; a `name` that is empty is a caller bug (TypeError).
 */
export function readCookie(
  header: string | null | undefined,
  name: string,
  options: ReadCookieOptions = {},
): string | null {
  if (name === '') throw new TypeError('readCookie: name must not be empty');
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || trimOWS(part.slice(0, eq)) !== name) continue;
    let value = trimOWS(part.slice(eq + 1));
    if (
      options.unquote !== false &&
      value.length >= 2 &&
      value.startsWith('"') &&
      value.endsWith('"')
    ) {
      value = value.slice(1, -1);
    }
    return value;
  }
  return null;
}

/** Strips spaces and horizontal tabs (HTTP's OWS) from both ends. */
function trimOWS(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isOWS(text.charCodeAt(start))) start++;
  while (end > start && isOWS(text.charCodeAt(end - 1))) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

function isOWS(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

// The request target as the gateway matches and forwards it. Matching and forwarding use the SAME
// normalised string, so a rule can never be checked against one path while the upstream serves another:
// - dot segments resolved (WHATWG URL also resolves `%2e%2e`);
// - percent-encoded unreserved characters decoded (RFC 3986 §6.2.2.2: `/%61dmin` is `/admin`);
// - encoded slashes/backslashes and NUL are refused: upstreams disagree on whether `%2F` splits a
//   segment, so `/public/..%2Fadmin` could match a public rule yet reach /admin.
export interface RequestTarget {
  /** Normalised path, used for rule matching. */
  path: string;
  /** Normalised path + query, forwarded to the upstream and covered by the signature. */
  target: string;
}

const BASE = 'http://edge.invalid';

export function normaliseTarget(rawURL: string | undefined): RequestTarget | null {
  if (!rawURL || rawURL.includes('\\') || /%(2f|5c|00)/i.test(rawURL)) return null;
  if (!rawURL.startsWith('/')) return null; // absolute-form and asterisk-form are not for us
  let url: URL;
  try {
    // Concatenate, never resolve: `new URL('//host/x', base)` would read `//host` as an authority.
    url = new URL(BASE + rawURL);
  } catch {
    return null;
  }
  let path = url.pathname.replace(/%([0-9A-Fa-f]{2})/g, (match, hex: string) => {
    const ch = String.fromCharCode(Number.parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(ch) ? ch : match.toUpperCase();
  });
  if (path !== url.pathname) {
    // Decoding may have produced new dot segments (`/%2e%2e/` is handled by URL, `.%2E` too): re-resolve.
    path = new URL(BASE + path).pathname;
  }
  return { path, target: path + url.search };
}

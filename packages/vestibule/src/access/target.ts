// The request target as the gateway matches and forwards it. Matching and forwarding use the SAME
// normalised string, so a rule can never be checked against one path while the upstream serves another:
// - dot segments resolved (WHATWG URL also resolves `%2e%2e`);
// - percent-encoded unreserved characters decoded (RFC 3986 §6.2.2.2: `/%61dmin` is `/admin`);
// - `//` merged to `/`, and `..;`/`.;` segments refused (servlet containers read them as dot segments);
// - encoded slashes/backslashes and NUL in the path are refused: upstreams disagree on whether
//   `%2F` splits a segment, so `/public/..%2Fadmin` could match a public rule yet reach /admin.
//   In the query they are ordinary data (`?next=%2Fhome`) and pass unchanged.
export interface RequestTarget {
  /** Normalised path, used for rule matching. */
  path: string;
  /** Normalised path + query, forwarded to the upstream and covered by the signature. */
  target: string;
}

const BASE = 'http://edge.invalid';

// The hot path: most targets are already normal (plain characters, no dot segment, no percent
// sign), so WHATWG URL parsing would return them unchanged. These two patterns only admit strings
// URL leaves byte for byte (path: RFC 3986 pchar minus `%`; query: the same plus `/?%`, minus `'`,
// which URL escapes in a special scheme's query). Anything else takes the full path below; a
// property test pins that both paths agree.
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
// Also sends `//` and `..;`/`.;` segments to the full path (merged, refused: see below).
const DOT_SEGMENT = /(?:^|\/)\.{1,2}(?:[/;]|$)|\/\//;
const PLAIN_QUERY = /^[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*$/;

export function normaliseTarget(rawURL: string | undefined): RequestTarget | null {
  if (!rawURL) return null;
  const q = rawURL.indexOf('?');
  const path = q === -1 ? rawURL : rawURL.slice(0, q);
  if (PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path)) {
    if (q === -1) return { path, target: path };
    const query = rawURL.slice(q + 1);
    if (PLAIN_QUERY.test(query) && !query.includes('%00')) {
      return { path, target: query ? `${path}?${query}` : path };
    }
  }
  return normaliseTargetByURL(rawURL);
}

/** The reference normalisation (WHATWG URL); exported for the equivalence test. */
export function normaliseTargetByURL(rawURL: string | undefined): RequestTarget | null {
  if (!rawURL || !rawURL.startsWith('/')) return null; // absolute-form and asterisk-form are not for us
  if (rawURL.includes('\\') || /%00/.test(rawURL)) return null;
  const q = rawURL.indexOf('?');
  if (/%(2f|5c)/i.test(q === -1 ? rawURL : rawURL.slice(0, q))) return null;
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
  // Upstreams that merge slashes (nginx merge_slashes, Spring MVC) serve `//admin` as /admin, which an
  // `/admin/**` rule would not match here: match and forward the merged path.
  path = path.replace(/\/{2,}/g, '/');
  // Servlet containers (Tomcat, Jetty, Spring) drop `;params` before resolving dot segments, so
  // `/public/..;/admin` matches a public rule here yet is served as /admin there: refuse.
  if (/\/\.{1,2};/.test(path)) return null;
  return { path, target: path + url.search };
}

/** Origin-form target (`/path?query`) of an absolute or origin-form URL, normalised like the edge. */
export function targetOf(url: string): string {
  // Origin-form is concatenated, not resolved: `//x/y` is a path here, not an authority.
  const parsed = url.startsWith('/') ? new URL('http://target.invalid' + url) : new URL(url);
  return parsed.pathname + parsed.search;
}

// Path decisions happen once, on one normalised form, and the normalised form is what gets
// forwarded: a proxy that checks one spelling and forwards another is how admin APIs leak
// (the classic `%2F`, `..;/`, double-encoding and backslash bypasses of path-based allowlists).
import { isKratosPublicPath } from './kratos-paths.ts';

/** After full decoding, a segment of a Kratos public path is always this boring (uuids, flow names, ids). */
const SAFE_SEGMENT = /^[A-Za-z0-9._~-]+$/;
/** Percent-encoding nested deeper than this is never legitimate; refuse rather than keep peeling. */
const MAX_DECODE_ROUNDS = 3;

export type PathDecision =
  { allowed: true; path: string; segments: readonly string[] } | { allowed: false; reason: string };

/**
 * Splits a prefix option (`/api/ory`, `/api/ory/`, `/`) into segments; throws TypeError when it could
 * never match a normalised path.
 */
export function parsePrefix(prefix: string): readonly string[] {
  if (!prefix.startsWith('/')) throw new TypeError('must start with "/"');
  const segments = prefix.split('/').filter((s) => s !== '');
  for (const s of segments) {
    if (!SAFE_SEGMENT.test(s) || s === '.' || s === '..') {
      throw new TypeError(`has an unsafe segment ${JSON.stringify(s)}`);
    }
  }
  return segments;
}

/**
 * Decodes percent-encoding until stable (so `%252F` and `%2F` both become `/`), turns backslashes into
 * slashes, resolves dot segments, and refuses anything a legitimate Kratos URL never contains:
 * malformed or overlong UTF-8 (decodeURIComponent throws on `%C0%AF`), control characters, `;`
 * matrix parameters, non-ASCII, and `..` climbing above the root.
 */
export function normalisePath(rawPath: string): string[] | undefined {
  let current = rawPath;
  for (let round = 0; ; round++) {
    current = current.replace(/\\/g, '/');
    if (!current.includes('%')) break;
    if (round === MAX_DECODE_ROUNDS) return undefined;
    try {
      current = decodeURIComponent(current);
    } catch {
      return undefined;
    }
  }
  const out: string[] = [];
  for (const segment of current.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return undefined;
      out.pop();
      continue;
    }
    if (!SAFE_SEGMENT.test(segment)) return undefined;
    out.push(segment);
  }
  return out;
}

/** Decides whether a request path (as received, including the mount prefix) may reach Kratos. */
export function decideProxyPath(rawPath: string, prefix: readonly string[]): PathDecision {
  const segments = normalisePath(rawPath);
  if (!segments) return { allowed: false, reason: 'unsafe path encoding' };
  if (!prefix.every((part, i) => segments[i] === part)) {
    return { allowed: false, reason: 'outside the proxy prefix' };
  }
  const kratosSegments = segments.slice(prefix.length);
  if (!isKratosPublicPath(kratosSegments)) {
    return { allowed: false, reason: 'not a Kratos public path' };
  }
  return { allowed: true, path: '/' + kratosSegments.join('/'), segments: kratosSegments };
}

/** The path part of a request URL as sent, before any WHATWG normalisation we can avoid. */
export function rawPathOf(requestURL: string): string {
  // `new URL()` already resolves `.`/`..` and `%2e` segments; reading the string keeps what the
  // client sent so our own normaliser sees every trick (it is idempotent on WHATWG output anyway).
  const afterScheme = requestURL.indexOf('//');
  const pathStart = requestURL.indexOf('/', afterScheme >= 0 ? afterScheme + 2 : 0);
  if (pathStart < 0) return '/';
  const end = requestURL.slice(pathStart).search(/[?#]/);
  return end < 0 ? requestURL.slice(pathStart) : requestURL.slice(pathStart, pathStart + end);
}

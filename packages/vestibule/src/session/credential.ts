// Finding the session credential in a request, in the order Kratos's own session manager uses
// (X-Session-Token, then the session cookie, then `Authorization: Bearer`), so the edge and Kratos
// can never disagree about which credential a request carries.
import { readCookie } from '../lib/cookies.ts';
import type { SessionCredential } from './types.ts';

export const DEFAULT_SESSION_COOKIE = 'ory_kratos_session';

/** Anything with `get(name)`: Web `Headers`, or our Node adapter's view of `IncomingHttpHeaders`. */
export interface HeaderReader {
  get(name: string): string | null;
}

export function extractCredential(
  headers: HeaderReader,
  options: { cookieName?: string } = {},
): SessionCredential | null {
  const token = headers.get('x-session-token')?.trim();
  if (token) return { kind: 'token', value: token };
  // The first occurrence, as Kratos (Go's Request.Cookie) and the embedded server read it: when it
  // is empty, Kratos sees no cookie session and falls back to the bearer token — so must we, or the
  // gateway would vouch for a session the pages (talking to Kratos) do not see.
  const cookie = readCookie(headers.get('cookie'), options.cookieName ?? DEFAULT_SESSION_COOKIE);
  if (cookie) return { kind: 'cookie', value: cookie };
  const bearer = readBearer(headers.get('authorization'));
  if (bearer) return { kind: 'token', value: bearer };
  return null;
}

/**
 * Every credential the request carries, in Kratos's order (X-Session-Token, the cookie, a Bearer
 * token): Kratos falls back to the next one when a cookie does not decode, so a count keyed on the
 * first alone could be dodged by sending a junk cookie beside a real token.
 */
export function candidateCredentials(
  headers: HeaderReader,
  options: { cookieName?: string } = {},
): SessionCredential[] {
  const found: SessionCredential[] = [];
  const token = headers.get('x-session-token')?.trim();
  if (token) found.push({ kind: 'token', value: token });
  const cookie = readCookie(headers.get('cookie'), options.cookieName ?? DEFAULT_SESSION_COOKIE);
  if (cookie) found.push({ kind: 'cookie', value: cookie });
  const bearer = readBearer(headers.get('authorization'));
  if (bearer) found.push({ kind: 'token', value: bearer });
  return found;
}

function readBearer(header: string | null): string | null {
  if (!header) return null;
  const match = /^bearer[ \t]+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/** Wraps Node's lower-cased header object so the same extraction code serves both worlds. */
export function nodeHeaderReader(
  headers: Record<string, string | string[] | undefined>,
): HeaderReader {
  return {
    get(name) {
      const value = headers[name];
      if (value === undefined) return null;
      // Node joins duplicate Cookie headers with '; ' already; other duplicates keep the first.
      return Array.isArray(value) ? (value[0] ?? null) : value;
    },
  };
}

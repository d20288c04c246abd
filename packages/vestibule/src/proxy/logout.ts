// Logouts and revocations seen on the way through, reported so the gateway's session cache can evict
// at once (issue-4: "a logout passing through the same-origin proxy ... evict at once"). Evicting is
// always safe (the next request re-validates with Kratos), so any non-error answer counts.
import type { LogoutEvent } from './options.ts';

export type LogoutKind = LogoutEvent['kind'];

/** Which logout-like endpoint this request hits, decided on the normalised path. */
export function logoutKindOf(method: string, segments: readonly string[]): LogoutKind | undefined {
  const path = segments.join('/');
  // Browser: GET /self-service/logout?token=… → 303 (JSON clients: 204). Native: DELETE …/logout/api.
  // HEAD too: servers that route HEAD to the GET handler (the embedded one does) log out on it.
  if ((method === 'GET' || method === 'HEAD') && path === 'self-service/logout') return 'logout';
  if (method === 'DELETE' && path === 'self-service/logout/api') return 'logout';
  // DELETE /sessions revokes the caller's *other* sessions; DELETE /sessions/{id} one of them.
  if (method === 'DELETE' && path === 'sessions') return 'other-sessions-revoked';
  if (method === 'DELETE' && segments.length === 2 && segments[0] === 'sessions') {
    return segments[1] === 'whoami' || segments[1] === 'token-exchange'
      ? undefined
      : 'session-revoked';
  }
  return undefined;
}

/** The native logout body carries the token being revoked: `{ "session_token": "…" }`. */
export function sessionTokenFromBody(body: Uint8Array): string | undefined {
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { session_token?: unknown };
    return typeof parsed?.session_token === 'string' ? parsed.session_token : undefined;
  } catch {
    return undefined;
  }
}

export function logoutEvent(
  kind: LogoutKind,
  input: { headers: Headers; segments: readonly string[]; body?: Uint8Array; requestId: string },
): LogoutEvent {
  const bearer = /^bearer\s+(.+)$/i.exec(input.headers.get('authorization') ?? '')?.[1];
  const sessionToken =
    (input.body && sessionTokenFromBody(input.body)) ??
    input.headers.get('x-session-token') ??
    bearer ??
    undefined;
  const cookie = input.headers.get('cookie') ?? undefined;
  return {
    kind,
    ...(cookie ? { cookie } : {}),
    ...(sessionToken ? { sessionToken } : {}),
    // Session ids are UUIDs, which Kratos accepts in either case but stores (and the cache keeps)
    // in lower case: the cache must evict the id it holds.
    ...(kind === 'session-revoked' ? { sessionId: input.segments[1]?.toLowerCase() } : {}),
    requestId: input.requestId,
  };
}

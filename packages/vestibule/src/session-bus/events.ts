// What one edge tells the others when a session ends. Only identifiers travel: an identity id, a
// session id, or the SHA-256 key a cache stores a credential under — never a cookie or token, so
// the events table and the wire hold nothing a reader could sign in with.
import type { SessionCache } from '../session/cache.ts';

export type SessionEvent =
  | { kind: 'identity'; identityId: string }
  | { kind: 'session'; sessionId: string }
  | { kind: 'credential'; key: string }
  /** Whose sessions changed could not be learnt: every edge forgets everything (always safe). */
  | { kind: 'all' };

/** Applies an event to a cache; idempotent, so an event seen twice (catch-up) does no harm. */
export function applySessionEvent(cache: SessionCache, event: SessionEvent): void {
  switch (event.kind) {
    case 'identity':
      cache.evictIdentity(event.identityId);
      return;
    case 'session':
      cache.evictSession(event.sessionId);
      return;
    case 'credential':
      cache.evictKey(event.key);
      return;
    case 'all':
      cache.clear();
      return;
  }
}

const ID = /^[\w.:-]{1,200}$/;

/** Parses an event from the wire or the table; anything else is undefined (never thrown). */
export function parseSessionEvent(value: unknown): SessionEvent | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const v = value as Record<string, unknown>;
  const id = (x: unknown) => typeof x === 'string' && ID.test(x);
  if (v.kind === 'identity' && id(v.identityId))
    return { kind: 'identity', identityId: v.identityId as string };
  if (v.kind === 'session' && id(v.sessionId))
    return { kind: 'session', sessionId: v.sessionId as string };
  if (v.kind === 'credential' && typeof v.key === 'string' && /^[\w-]{43}$/.test(v.key))
    return { kind: 'credential', key: v.key };
  if (v.kind === 'all') return { kind: 'all' };
  return undefined;
}

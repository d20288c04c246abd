// The session cache in front of whoami. Security properties, each pinned by a test:
// - keyed by SHA-256 of the credential: a heap dump or a debug log never shows a usable credential;
// - an entry lives at most min(session.expires_at, now + ttlMs): a cached session never outlives Kratos's;
// - concurrent misses for one credential share ONE whoami call (single-flight);
// - evict()/evictIdentity()/evictSession() act at once, also on calls still in flight, so the very
//   next request after a logout or revocation asks Kratos again;
// - bounded (LRU), so a flood of random cookies costs memory we chose, not memory they choose.
//
// Negative results (Kratos said 401) are cached only briefly and in a separate, smaller LRU:
// a 401 credential never becomes valid later (a login issues a new cookie/token), so a short cache
// protects Kratos from a client hammering with a stale cookie on an `optional` route, while the
// separate LRU keeps junk credentials from pushing real sessions out. A 403 (e.g. aal2 required)
// is NOT cached: the same cookie becomes valid once the user completes the second factor.
import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { WhoamiFunction } from './whoami.ts';
import type { KratosSession, SessionCredential } from './types.ts';

export interface SessionCacheOptions {
  whoami: WhoamiFunction;
  /** Upper bound on how long a validated session is trusted without asking Kratos. Default 15 000 ms. */
  ttlMs?: number;
  /** How long "this credential is not a session" is remembered; 0 disables. Default 2 000 ms. */
  negativeTtlMs?: number;
  /** Max cached sessions (LRU). Default 10 000. */
  maxEntries?: number;
  /** Max cached negative results (LRU). Default 1 000. */
  maxNegativeEntries?: number;
  /**
   * What of a session is kept (session/projection.ts): applied to every whoami answer before it is
   * cached or returned, so a hit and a miss give the same shape. Default: the whole session.
   */
  project?: (session: KratosSession) => KratosSession;
  /** Injectable clock (ms since epoch) so tests drive expiry without sleeping. */
  now?: () => number;
}

// A cached session's expiry lives on the cached object itself, in a non-enumerable symbol-keyed
// property (no reader sees it: not JSON, spread, Object.keys nor deepStrictEqual), not in a wrapper
// object per entry: the projection's copies (projection.ts) get it as one more in-object slot, ~32 B
// less per cached session than a `{ session, expiresAt }` wrapper (issue 15).
const EXPIRES_AT = Symbol('session cache expiry');

type CachedSession = KratosSession & { readonly [EXPIRES_AT]: number };

interface Flight {
  promise: Promise<CachedSession | null>;
}

export interface SessionCacheStats {
  hits: number;
  misses: number;
  whoamiCalls: number;
  /** Sessions removed: the LRU was full, the entry had expired, or it was evicted on purpose. */
  evictions: { capacity: number; expired: number; revoked: number };
}

export interface SessionCache {
  /** The session for this credential, or null when Kratos says there is none. Throws KratosUnavailable. */
  lookup(credential: SessionCredential): Promise<KratosSession | null>;
  /**
   * The cached answer without waiting: the session, null (remembered "not a session"), or undefined
   * when only Kratos can tell (then call lookup). Lets the gateway decide a cached request
   * synchronously, without a promise per request.
   */
  peek(credential: SessionCredential): KratosSession | null | undefined;
  evict(credential: SessionCredential): void;
  /** evict() by the key credentialKey() gives: how another edge names a credential it saw end. */
  evictKey(key: string): void;
  evictIdentity(identityId: string): number;
  evictSession(sessionId: string): number;
  clear(): void;
  /**
   * Empties the cache and stops filling it until resume(): every lookup asks Kratos. For an edge
   * that cannot currently hear other edges' revocations (session-bus/), so it serves no stale entry.
   */
  pause(): void;
  resume(): void;
  readonly size: number;
  readonly stats: SessionCacheStats;
}

/**
 * How a credential is named outside this process (session-bus/ events, evictKey): SHA-256 in
 * base64url, valid text for PostgreSQL NOTIFY and the events table.
 */
export function credentialKey(credential: SessionCredential): string {
  return credentialDigest(credential, 'base64url');
}

/** The SHA-256 both names are: one-shot, no Hash object per request. */
function credentialDigest(credential: SessionCredential, encoding: 'base64url' | 'latin1'): string {
  return hash('sha256', `${credential.kind}\0${credential.value}`, encoding);
}

/**
 * The same SHA-256 as credentialKey, as the Map key this cache holds: its 32 bytes as a 32-char
 * one-byte (latin1) string take 48 B of heap where the 43-char base64url text takes 64, and the
 * digest is encoded faster. Never leaves the process (evictKey converts at the boundary). Still the
 * whole digest: shortening it would need a copy per request (a V8 substring of ≥ 13 chars keeps its
 * parent alive), which costs more than it saves.
 */
function cacheKey(credential: SessionCredential): string {
  return credentialDigest(credential, 'latin1');
}

/** credentialKey's text → cacheKey's; anything that is not such a key maps to no entry. */
function cacheKeyOf(key: string): string {
  return Buffer.from(key, 'base64url').toString('latin1');
}

export function createSessionCache(options: SessionCacheOptions): SessionCache {
  const ttlMs = positive(options.ttlMs ?? 15_000, 'ttlMs');
  const negativeTtlMs = options.negativeTtlMs ?? 2_000;
  const now = options.now ?? Date.now;
  // identity id → keys of its cached sessions, so a recovery or a password change evicts all of
  // them at once without scanning. Kept in step with the LRU by its dispose hook, which runs for
  // every removal: delete, overwrite, eviction of the least recently used, clear.
  // One key (the usual case) is stored as the string itself: a Set per identity cost ~200 bytes.
  const byIdentity = new Map<string, string | Set<string>>();
  const stats: SessionCacheStats = {
    hits: 0,
    misses: 0,
    whoamiCalls: 0,
    evictions: { capacity: 0, expired: 0, revoked: 0 },
  };
  const entries = new LRUCache<string, CachedSession>({
    max: positive(options.maxEntries ?? 10_000, 'maxEntries'),
    dispose: (session, key, reason) => {
      if (reason === 'evict') stats.evictions.capacity++;
      unindex(byIdentity, session.identity.id, key);
    },
  });
  const negatives = new LRUCache<string, number>({
    max: positive(options.maxNegativeEntries ?? 1_000, 'maxNegativeEntries'),
  });
  const flights = new Map<string, Flight>();
  let paused = false;

  const remember = (key: string, session: CachedSession | null) => {
    if (paused) return;
    const at = now();
    if (session === null) {
      if (negativeTtlMs > 0) negatives.set(key, at + negativeTtlMs);
      return;
    }
    if (session[EXPIRES_AT] <= at) return;
    entries.set(key, session);
    index(byIdentity, session.identity.id, key);
  };

  const fresh = (key: string): KratosSession | null | undefined => {
    const session = entries.get(key);
    if (session) {
      if (session[EXPIRES_AT] > now()) return session;
      entries.delete(key);
      stats.evictions.expired++;
    }
    const negativeUntil = negatives.get(key);
    if (negativeUntil !== undefined) {
      if (negativeUntil > now()) return null;
      negatives.delete(key);
    }
    return undefined;
  };

  const counted = (evicted: number) => {
    stats.evictions.revoked += evicted;
    return evicted;
  };

  const fly = (key: string, credential: SessionCredential): Promise<KratosSession | null> => {
    stats.whoamiCalls++;
    const { project } = options;
    const flight: Flight = {
      promise: options.whoami(credential).then((session) => {
        if (!session) return null;
        // The expiry is read from the whole answer (a projected copy need not keep expires_at:
        // projection.ts) and attached in the same step as the copy is made, before any other copy:
        // V8 then sizes every copy with a slot for it (slack tracking ends after a few copies; a
        // property added later goes to a separate array, +32 B per session).
        const expiresAt = Math.min(now() + ttlMs, sessionExpiry(session) ?? Infinity);
        return withExpiry(project ? project(session) : session, expiresAt);
      }),
    };
    flights.set(key, flight);
    flight.promise.then(
      (session) => {
        // An eviction while the call was in flight removed `flight`: its answer may predate the
        // logout/revocation, so it must not be cached.
        if (flights.get(key) !== flight) return;
        flights.delete(key);
        remember(key, session);
      },
      () => {
        if (flights.get(key) === flight) flights.delete(key);
      },
    );
    return flight.promise;
  };

  const evictCacheKey = (key: string) => {
    if (entries.delete(key)) stats.evictions.revoked++;
    negatives.delete(key);
    flights.delete(key);
  };
  const clear = () => {
    entries.clear();
    byIdentity.clear();
    negatives.clear();
    flights.clear();
  };

  return {
    lookup(credential) {
      const key = cacheKey(credential);
      const cached = fresh(key);
      if (cached !== undefined) {
        stats.hits++;
        return Promise.resolve(cached);
      }
      stats.misses++;
      return flights.get(key)?.promise ?? fly(key, credential);
    },
    peek(credential) {
      const cached = fresh(cacheKey(credential));
      if (cached !== undefined) stats.hits++;
      return cached;
    },
    evict: (credential) => evictCacheKey(cacheKey(credential)),
    evictKey: (key) => evictCacheKey(cacheKeyOf(key)),
    evictIdentity: (identityId) =>
      counted(evictKeys(entries, flights, keysOf(byIdentity.get(identityId)))),
    evictSession(sessionId) {
      const doomed: string[] = [];
      for (const [key, session] of entries.entries())
        if (session.id === sessionId) doomed.push(key);
      return counted(evictKeys(entries, flights, doomed));
    },
    clear,
    pause() {
      paused = true;
      clear();
    },
    resume() {
      paused = false;
    },
    get size() {
      return entries.size;
    },
    stats,
  };
}

function evictKeys(
  entries: LRUCache<string, CachedSession>,
  flights: Map<string, Flight>,
  doomed: readonly string[],
): number {
  for (const key of doomed) entries.delete(key);
  // We cannot know whose session an in-flight call will return: forget them all, so their answers
  // are not cached and the next request asks Kratos afresh.
  flights.clear();
  return doomed.length;
}

type IdentityIndex = Map<string, string | Set<string>>;

function index(byIdentity: IdentityIndex, identityId: string, key: string): void {
  const keys = byIdentity.get(identityId);
  if (keys === undefined || keys === key) byIdentity.set(identityId, key);
  else if (typeof keys === 'string') byIdentity.set(identityId, new Set([keys, key]));
  else keys.add(key);
}

function unindex(byIdentity: IdentityIndex, identityId: string, key: string): void {
  const keys = byIdentity.get(identityId);
  if (keys === key) byIdentity.delete(identityId);
  else if (typeof keys === 'object' && keys.delete(key) && keys.size === 0) {
    byIdentity.delete(identityId);
  }
}

function keysOf(keys: string | Set<string> | undefined): string[] {
  return keys === undefined ? [] : typeof keys === 'string' ? [keys] : [...keys];
}

/**
 * The session with its expiry attached. Each whoami answer is a new object (parsed, or projected),
 * so it is normally the one marked; one already marked (a whoami that hands out the same object
 * twice) or frozen is copied first, so one entry's expiry never moves another's.
 */
function withExpiry(session: KratosSession, expiresAt: number): CachedSession {
  const own = Object.isExtensible(session) && !Object.hasOwn(session, EXPIRES_AT);
  return Object.defineProperty(own ? session : { ...session }, EXPIRES_AT, {
    value: expiresAt,
  }) as CachedSession;
}

function sessionExpiry(session: KratosSession): number | undefined {
  if (!session.expires_at) return undefined;
  const at = Date.parse(session.expires_at);
  return Number.isFinite(at) ? at : undefined;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`session cache: ${name} must be a positive number, got ${value}`);
  }
  return value;
}

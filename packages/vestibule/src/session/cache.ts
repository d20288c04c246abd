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

interface Entry {
  session: KratosSession;
  expiresAt: number;
}

interface Flight {
  promise: Promise<KratosSession | null>;
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

export function credentialKey(credential: SessionCredential): string {
  // One-shot hash: no Hash object per request.
  return hash('sha256', `${credential.kind}\0${credential.value}`, 'base64url');
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
  const entries = new LRUCache<string, Entry>({
    max: positive(options.maxEntries ?? 10_000, 'maxEntries'),
    dispose: (entry, key, reason) => {
      if (reason === 'evict') stats.evictions.capacity++;
      unindex(byIdentity, entry.session.identity.id, key);
    },
  });
  const negatives = new LRUCache<string, number>({
    max: positive(options.maxNegativeEntries ?? 1_000, 'maxNegativeEntries'),
  });
  const flights = new Map<string, Flight>();
  let paused = false;

  const remember = (key: string, session: KratosSession | null, expiry: number | undefined) => {
    if (paused) return;
    const at = now();
    if (session === null) {
      if (negativeTtlMs > 0) negatives.set(key, at + negativeTtlMs);
      return;
    }
    const expiresAt = Math.min(at + ttlMs, expiry ?? Infinity);
    if (expiresAt <= at) return;
    entries.set(key, { session, expiresAt });
    index(byIdentity, session.identity.id, key);
  };

  const fresh = (key: string): KratosSession | null | undefined => {
    const entry = entries.get(key);
    if (entry) {
      if (entry.expiresAt > now()) return entry.session;
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
    // Read from the whole answer: a projected copy need not keep expires_at (projection.ts).
    let expiry: number | undefined;
    const flight: Flight = {
      promise: options.whoami(credential).then((session) => {
        if (!session) return null;
        expiry = sessionExpiry(session);
        return project ? project(session) : session;
      }),
    };
    flights.set(key, flight);
    flight.promise.then(
      (session) => {
        // An eviction while the call was in flight removed `flight`: its answer may predate the
        // logout/revocation, so it must not be cached.
        if (flights.get(key) !== flight) return;
        flights.delete(key);
        remember(key, session, expiry);
      },
      () => {
        if (flights.get(key) === flight) flights.delete(key);
      },
    );
    return flight.promise;
  };

  const evictKey = (key: string) => {
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
      const key = credentialKey(credential);
      const cached = fresh(key);
      if (cached !== undefined) {
        stats.hits++;
        return Promise.resolve(cached);
      }
      stats.misses++;
      return flights.get(key)?.promise ?? fly(key, credential);
    },
    peek(credential) {
      const cached = fresh(credentialKey(credential));
      if (cached !== undefined) stats.hits++;
      return cached;
    },
    evict: (credential) => evictKey(credentialKey(credential)),
    evictKey,
    evictIdentity: (identityId) =>
      counted(evictKeys(entries, flights, keysOf(byIdentity.get(identityId)))),
    evictSession(sessionId) {
      const doomed: string[] = [];
      for (const [key, entry] of entries.entries())
        if (entry.session.id === sessionId) doomed.push(key);
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
  entries: LRUCache<string, Entry>,
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

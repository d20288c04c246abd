// Hydra access tokens (`Authorization: Bearer ory_at_…`) checked through Hydra's admin API
// (`POST /admin/oauth2/introspect`, RFC 7662), behind a short bounded cache. Security properties,
// each pinned by a test:
// - keyed by SHA-256 of the token: a heap dump never shows a usable token;
// - an active token is trusted at most min(exp, now + ttlMs): never past its expiry, and a token
//   revoked at Hydra is refused again within ttlMs;
// - an inactive answer is remembered only briefly (negativeTtlMs) in a separate, smaller LRU, so junk
//   tokens cannot push real grants out, and a client hammering with a dead token costs Hydra little;
// - concurrent misses for one token share ONE introspection call (single-flight);
// - anything but a clear answer from Hydra (unreachable, slow, 5xx, a body that is not RFC 7662)
//   throws: the gateway fails closed on it (503), never guesses.
import { LRUCache } from 'lru-cache';
import { VestibuleError } from '../lib/errors.ts';
import { callOutbound, type FetchLike } from '../lib/outbound.ts';
import { accessTokenKey as keyOf } from './key.ts';

/** Hydra's opaque access-token prefix (Kratos session tokens are `ory_st_`). */
export const HYDRA_ACCESS_TOKEN_PREFIX = 'ory_at_';

/** What an active access token grants, as Hydra's introspection says. */
export interface AccessTokenGrant {
  /** `sub`: the Kratos identity id the user consented as, or the client id (client_credentials). */
  readonly subject: string;
  /** Granted scopes (`scope`, space-separated on the wire). */
  readonly scopes: readonly string[];
  readonly clientId: string;
  /** `exp` in ms since the epoch. */
  readonly expiresAt: number;
  /** A JWT's accessTokenJtiKey(jti): a revocation may name the token by it. */
  readonly jtiKey?: string;
}

export interface AccessTokenIntrospectionOptions {
  /** Hydra's admin API base URL (`hydra.admin_url`). */
  hydraAdminURL: string;
  fetch?: FetchLike;
  /** Introspection call timeout. Default 2 000 ms. */
  timeoutMs?: number;
  /** Upper bound on how long an active token is trusted without asking Hydra. Default 15 000 ms. */
  ttlMs?: number;
  /** How long "inactive" is remembered; 0 disables. Default 2 000 ms. */
  negativeTtlMs?: number;
  /** Max cached grants (LRU). Default 10 000. */
  maxEntries?: number;
  /** Max cached inactive answers (LRU). Default 1 000. */
  maxNegativeEntries?: number;
  now?: () => number;
  /** Called after each introspection call with its outcome and duration in seconds (metrics). */
  onIntrospect?: (outcome: 'active' | 'inactive' | 'error', seconds: number) => void;
}

export interface AccessTokenIntrospection {
  /** The grant, null when Hydra says inactive; throws when Hydra cannot answer. */
  lookup(token: string): Promise<AccessTokenGrant | null>;
  /** The cached answer without waiting; undefined when only Hydra can tell. */
  peek(token: string): AccessTokenGrant | null | undefined;
  evict(token: string): void;
  /** evict() by accessTokenKey(token): how another edge names a token it saw revoked. */
  evictKey(key: string): void;
  readonly stats: { hits: number; misses: number; introspections: number };
}

/** The `ory_at_…` token of an `Authorization: Bearer` header, else null (not ours to check). */
export function hydraAccessTokenOf(authorization: string | null): string | null {
  if (!authorization || authorization.length < 14) return null;
  const match = /^bearer[ \t]+(ory_at_\S+)\s*$/i.exec(authorization);
  return match ? match[1]! : null;
}

interface Entry {
  grant: AccessTokenGrant;
  expiresAt: number;
}

export function createAccessTokenIntrospection(
  options: AccessTokenIntrospectionOptions,
): AccessTokenIntrospection {
  if (typeof options.hydraAdminURL !== 'string' || !URL.canParse(options.hydraAdminURL)) {
    throw new TypeError('access tokens: hydraAdminURL must be an absolute URL');
  }
  const endpoint = `${options.hydraAdminURL.replace(/\/+$/, '')}/admin/oauth2/introspect`;
  const now = options.now ?? Date.now;
  const ttlMs = positive(options.ttlMs ?? 15_000, 'ttlMs');
  const negativeTtlMs = options.negativeTtlMs ?? 2_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const grants = new LRUCache<string, Entry>({ max: options.maxEntries ?? 10_000 });
  const inactive = new LRUCache<string, number>({ max: options.maxNegativeEntries ?? 1_000 });
  const flights = new Map<string, Promise<AccessTokenGrant | null>>();
  const stats = { hits: 0, misses: 0, introspections: 0 };

  const introspect = async (token: string): Promise<AccessTokenGrant | null> => {
    stats.introspections++;
    const started = performance.now();
    const observe = (outcome: 'active' | 'inactive' | 'error') =>
      options.onIntrospect?.(outcome, (performance.now() - started) / 1000);
    try {
      const response = await callOutbound(
        endpoint,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            accept: 'application/json',
          },
          body: new URLSearchParams({ token }).toString(),
        },
        { fetch: options.fetch, timeoutMs, service: 'Hydra introspection' },
      );
      if (response.status !== 200) {
        await response.body?.cancel();
        throw hydraUnavailable(`Hydra introspection answered ${response.status}`);
      }
      const grant = grantOf(await response.json().catch(() => undefined), now());
      observe(grant ? 'active' : 'inactive');
      return grant;
    } catch (err) {
      observe('error');
      throw err;
    }
  };

  const peek = (key: string): AccessTokenGrant | null | undefined => {
    const entry = grants.get(key);
    if (entry) {
      if (entry.expiresAt > now()) return entry.grant;
      grants.delete(key);
    }
    const until = inactive.get(key);
    if (until !== undefined) {
      if (until > now()) return null;
      inactive.delete(key);
    }
    return undefined;
  };

  const evictKey = (key: string) => {
    grants.delete(key);
    inactive.delete(key);
    flights.delete(key);
  };

  return {
    peek(token) {
      const found = peek(keyOf(token));
      if (found !== undefined) stats.hits++;
      return found;
    },
    lookup(token) {
      const key = keyOf(token);
      const found = peek(key);
      if (found !== undefined) {
        stats.hits++;
        return Promise.resolve(found);
      }
      stats.misses++;
      const flying = flights.get(key);
      if (flying) return flying;
      const flight = introspect(token)
        .then((grant) => {
          // Evicted while in flight (a revocation): answer this caller, remember nothing.
          if (flights.get(key) !== flight) return grant;
          if (grant) {
            grants.set(key, { grant, expiresAt: Math.min(grant.expiresAt, now() + ttlMs) });
          } else if (negativeTtlMs > 0) {
            inactive.set(key, now() + negativeTtlMs);
          }
          return grant;
        })
        .finally(() => {
          if (flights.get(key) === flight) flights.delete(key);
        });
      flights.set(key, flight);
      return flight;
    },
    evict(token) {
      evictKey(keyOf(token));
    },
    evictKey,
    stats,
  };
}

/**
 * RFC 7662's answer → a grant. Only an access token (`token_use`, which Hydra always sends: a
 * refresh token introspects as active too) with a subject and an expiry in the future counts.
 * A body that is not an introspection response at all is Hydra misbehaving: thrown, not "inactive".
 */
function grantOf(body: unknown, nowMs: number): AccessTokenGrant | null {
  if (
    !body ||
    typeof body !== 'object' ||
    typeof (body as { active?: unknown }).active !== 'boolean'
  ) {
    throw hydraUnavailable('Hydra introspection answered a body without `active`');
  }
  const b = body as Record<string, unknown>;
  if (b.active !== true) return null;
  if (b.token_use !== undefined && b.token_use !== 'access_token') return null;
  if (typeof b.sub !== 'string' || !b.sub) return null;
  if (typeof b.exp !== 'number' || !Number.isFinite(b.exp) || b.exp * 1000 <= nowMs) return null;
  const scope = typeof b.scope === 'string' ? b.scope : '';
  return Object.freeze({
    subject: b.sub,
    scopes: Object.freeze(scope.split(' ').filter(Boolean)),
    clientId: typeof b.client_id === 'string' ? b.client_id : '',
    expiresAt: b.exp * 1000,
  });
}

function hydraUnavailable(message: string): VestibuleError {
  return new VestibuleError('HYDRA_UNAVAILABLE', message, {
    status: 503,
    publicMessage: 'Sign-in is temporarily unavailable. Please try again shortly.',
  });
}

function positive(value: number, option: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`access tokens: ${option} must be a positive number of ms, got ${value}`);
  }
  return value;
}

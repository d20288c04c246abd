// Which check a Bearer token gets, by `hydra.access_token_strategy`:
// - `opaque` (default): every token is introspected at Hydra's admin API (Hydra introspects its
//   JWT access tokens too), behind the short cache: a revocation at Hydra shows within its TTL.
// - `jwt`: JWS tokens are verified locally against Hydra's JWKS, no call to Hydra per token; an
//   opaque `ory_at_` token is refused. A revocation is seen only when it reaches the edge (the
//   revocation webhook, or a peer over the session bus); otherwise the token lives to its `exp`.
// - `auto`: a token that parses as a JWS is verified locally, anything else is introspected.
// Verified JWTs are cached like introspections (by key, until min(exp, now + ttl)), so a cached
// request is decided synchronously either way.
import { LRUCache } from 'lru-cache';
import {
  createAccessTokenIntrospection,
  HYDRA_ACCESS_TOKEN_PREFIX,
  type AccessTokenGrant,
  type AccessTokenIntrospection,
  type AccessTokenIntrospectionOptions,
} from './introspection.ts';
import { createJWTAccessTokens, looksLikeJWS, type JWTAccessTokenOptions } from './jwt.ts';
import { accessTokenKey } from './key.ts';

export type AccessTokenStrategy = 'opaque' | 'jwt' | 'auto';

export interface AccessTokenVerifierOptions extends AccessTokenIntrospectionOptions {
  strategy?: AccessTokenStrategy;
  /** Required for `jwt` and `auto`. */
  jwt?: Omit<JWTAccessTokenOptions, 'fetch' | 'now'>;
}

export interface AccessTokenVerifier extends AccessTokenIntrospection {
  /** The access token of an `Authorization: Bearer` header, else null (not ours to check). */
  tokenOf(authorization: string | null): string | null;
}

export function createAccessTokenVerifier(
  options: AccessTokenVerifierOptions,
): AccessTokenVerifier {
  const strategy = options.strategy ?? 'opaque';
  if (!['opaque', 'jwt', 'auto'].includes(strategy)) {
    throw new TypeError(`access tokens: strategy must be opaque, jwt or auto, got ${strategy}`);
  }
  const introspection = createAccessTokenIntrospection(options);
  if (strategy === 'opaque') {
    return { ...introspection, tokenOf: (authorization) => bearerOf(authorization, true) };
  }
  if (!options.jwt) throw new TypeError(`access tokens: strategy ${strategy} needs jwt options`);
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlMs ?? 15_000;
  const jwts = createJWTAccessTokens({ ...options.jwt, fetch: options.fetch, now });
  const verified = new LRUCache<string, { grant: AccessTokenGrant; until: number }>({
    max: options.maxEntries ?? 10_000,
  });
  // Refusals apart, smaller and brief, as for introspection: junk cannot push real grants out.
  const refused = new LRUCache<string, number>({ max: options.maxNegativeEntries ?? 1_000 });
  const negativeTtlMs = options.negativeTtlMs ?? 2_000;
  const stats = { hits: 0, misses: 0, introspections: 0 };
  const local = (token: string) => strategy === 'jwt' || looksLikeJWS(token);

  const peekJWT = (key: string): AccessTokenGrant | null | undefined => {
    const entry = verified.get(key);
    if (entry) {
      if (entry.until > now()) return entry.grant;
      verified.delete(key);
    }
    const until = refused.get(key);
    if (until !== undefined) {
      if (until > now()) return null;
      refused.delete(key);
    }
    return undefined;
  };

  return {
    tokenOf: (authorization) => bearerOf(authorization, true),
    peek(token) {
      if (!local(token)) return introspection.peek(token);
      const found = peekJWT(accessTokenKey(token));
      if (found !== undefined) stats.hits++;
      return found;
    },
    async lookup(token) {
      if (!local(token)) return introspection.lookup(token);
      const key = accessTokenKey(token);
      const found = peekJWT(key);
      if (found !== undefined) {
        stats.hits++;
        return found;
      }
      stats.misses++;
      // `jwt`: an opaque token cannot be checked without Hydra; it is simply not valid here.
      const grant = looksLikeJWS(token) ? await jwts.verify(token) : null;
      if (grant) verified.set(key, { grant, until: Math.min(grant.expiresAt, now() + ttlMs) });
      else if (negativeTtlMs > 0) refused.set(key, now() + negativeTtlMs);
      return grant;
    },
    evict(token) {
      if (looksLikeJWS(token)) jwts.revoke(token);
      this.evictKey(accessTokenKey(token));
    },
    evictKey(key) {
      verified.delete(key);
      refused.delete(key);
      // Named by its jti (the embedded server knows only that): forget every verified copy too.
      for (const [tokenKey, entry] of verified.entries()) {
        if (entry.grant.jtiKey === key) verified.delete(tokenKey);
      }
      jwts.revokeKey(key);
      introspection.evictKey(key);
    },
    get stats() {
      const own = introspection.stats;
      return {
        hits: stats.hits + own.hits,
        misses: stats.misses + own.misses,
        introspections: own.introspections,
      };
    },
  };
}

/** `Bearer <token>` where the token is Hydra's: `ory_at_…`, or (jwt/auto) a compact JWS. */
function bearerOf(authorization: string | null, acceptJWS: boolean): string | null {
  if (!authorization || authorization.length < 14) return null;
  const match = /^bearer[ \t]+(\S+)\s*$/i.exec(authorization);
  if (!match) return null;
  const token = match[1]!;
  if (token.startsWith(HYDRA_ACCESS_TOKEN_PREFIX)) return token;
  return acceptJWS && looksLikeJWS(token) ? token : null;
}

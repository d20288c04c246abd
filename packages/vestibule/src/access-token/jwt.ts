// Hydra JWT access tokens (`strategies.access_token: jwt`) verified at the edge against Hydra's
// JWKS, without a call to Hydra per token. Security properties, each pinned by a regression test:
// - only asymmetric algorithms, and the key's own `alg`: `alg: none` and HS256 keyed with the
//   public key (key confusion) never verify (jose selects keys by kty and alg; the list below
//   excludes none/HS* outright);
// - the issuer must be the configured Hydra issuer exactly; a token signed by any other JWKS fails
//   (the set is fetched only from the configured Hydra);
// - `exp` is enforced with a small clock skew; a token without `exp` is refused;
// - an unknown `kid` refetches the JWKS once (key rotation), rate-limited by jose's cooldown, so a
//   flood of random kids cannot turn the edge into a JWKS fetch amplifier;
// - it must look like Hydra's access token (`client_id`, `scp` list, `jti`, `sub`): an ID token,
//   signed by the same issuer, is not an access token;
// - revoked here (the edge saw the revocation, or a peer announced it): remembered by the SHA-256
//   of the token until the token's own expiry, so a JWT can be ended before its `exp`.
// jose is imported on first use: an edge without JWT access tokens (and every app importing the
// library) never loads it.
import type * as Jose from 'jose';
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { VestibuleError } from '../lib/errors.ts';
import type { FetchLike } from '../lib/outbound.ts';
import type { AccessTokenGrant } from './introspection.ts';
import { accessTokenJtiKey, accessTokenKey as keyOf } from './key.ts';

/** Asymmetric JWS algorithms only. */
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

const COMPACT_JWS = /^[\w-]{2,}\.[\w-]{2,}\.[\w-]{2,}$/;

/** A compact JWS (three base64url parts), short enough to be a token. */
export function looksLikeJWS(value: string): boolean {
  return value.length <= 8192 && COMPACT_JWS.test(value);
}

export interface JWTAccessTokenOptions {
  /** Hydra's public URL: the JWKS is `<url>/.well-known/jwks.json`. */
  hydraPublicURL: string;
  /** The `iss` tokens must carry exactly (Hydra's `urls.self.issuer`). */
  issuer: string;
  fetch?: FetchLike;
  /** JWKS fetch timeout. Default 2 000 ms. */
  timeoutMs?: number;
  /** Accepted clock difference for exp/nbf/iat. Default 5 000 ms. */
  clockToleranceMs?: number;
  /** Least time between two JWKS refetches for unknown kids. Default 30 000 ms. */
  jwksCooldownMs?: number;
  /** Longest the JWKS is kept without refetching. Default 10 min. */
  jwksMaxAgeMs?: number;
  /** How long a peer-announced revocation is kept (Hydra's default ttl.access_token). Default 1 h. */
  revokedHorizonMs?: number;
  /** Max remembered revoked tokens. Default 10 000. */
  maxRevoked?: number;
  now?: () => number;
}

export interface JWTAccessTokens {
  /** The grant, or null when the token does not verify; throws when the JWKS cannot be had. */
  verify(token: string): Promise<AccessTokenGrant | null>;
  /** Remember a token as revoked until its own expiry (by the SHA-256 of the token). */
  revoke(token: string): void;
  /**
   * Same, by the key a peer or the webhook announced: accessTokenKey(token) or accessTokenJtiKey(jti)
   * (its expiry unknown: kept for revokedHorizonMs).
   */
  revokeKey(key: string): void;
}

export function createJWTAccessTokens(options: JWTAccessTokenOptions): JWTAccessTokens {
  if (!URL.canParse(options.hydraPublicURL) || !URL.canParse(options.issuer)) {
    throw new TypeError('access tokens: hydraPublicURL and issuer must be absolute URLs');
  }
  const now = options.now ?? Date.now;
  const jwksURL = new URL(`${options.hydraPublicURL.replace(/\/+$/, '')}/.well-known/jwks.json`);
  let loaded: Promise<{ jose: typeof Jose; jwks: JWTVerifyGetKey }> | undefined;
  const load = () =>
    (loaded ??= import('jose').then((jose) => ({
      jose,
      jwks: jose.createRemoteJWKSet(jwksURL, {
        timeoutDuration: options.timeoutMs ?? 2_000,
        cooldownDuration: options.jwksCooldownMs ?? 30_000,
        cacheMaxAge: options.jwksMaxAgeMs ?? 600_000,
        ...(options.fetch ? { [jose.customFetch]: options.fetch as typeof fetch } : {}),
      }),
    })));
  const clockTolerance = (options.clockToleranceMs ?? 5_000) / 1000;
  const revoked = new LRUCache<string, number>({ max: options.maxRevoked ?? 10_000 });

  const isRevoked = (key: string) => {
    const until = revoked.get(key);
    if (until === undefined) return false;
    if (until > now()) return true;
    revoked.delete(key);
    return false;
  };

  return {
    async verify(token) {
      if (!looksLikeJWS(token) || isRevoked(keyOf(token))) return null;
      const { jose, jwks } = await load();
      let payload: JWTPayload;
      try {
        ({ payload } = await jose.jwtVerify(token, jwks, {
          issuer: options.issuer,
          algorithms: ALGORITHMS,
          clockTolerance,
          requiredClaims: ['exp', 'sub', 'jti'],
          currentDate: new Date(now()),
        }));
      } catch (err) {
        if (jwksUnavailable(jose.errors, err)) {
          throw new VestibuleError('HYDRA_UNAVAILABLE', `Hydra's JWKS: ${(err as Error).message}`, {
            status: 503,
            publicMessage: 'Sign-in is temporarily unavailable. Please try again shortly.',
          });
        }
        return null;
      }
      const grant = grantOf(payload);
      return grant && isRevoked(grant.jtiKey!) ? null : grant;
    },
    revoke(token) {
      const exp = unverifiedClaims(token)?.exp;
      if (typeof exp === 'number') revoked.set(keyOf(token), exp * 1000 + clockTolerance * 1000);
    },
    revokeKey(key) {
      revoked.set(key, now() + (options.revokedHorizonMs ?? 3_600_000));
    },
  };
}

/** Hydra's access-token claims → a grant; anything that is not one (an ID token) → null. */
function grantOf(payload: JWTPayload): AccessTokenGrant | null {
  const {
    sub,
    exp,
    jti,
    client_id: clientId,
    scp,
  } = payload as JWTPayload & {
    client_id?: unknown;
    scp?: unknown;
  };
  if (typeof sub !== 'string' || !sub || typeof exp !== 'number') return null;
  if (typeof jti !== 'string' || !jti) return null;
  if (typeof clientId !== 'string' || !Array.isArray(scp)) return null;
  if (!scp.every((s): s is string => typeof s === 'string')) return null;
  return Object.freeze({
    subject: sub,
    scopes: Object.freeze([...scp]),
    clientId,
    expiresAt: exp * 1000,
    jtiKey: accessTokenJtiKey(jti),
  });
}

/** The payload of a compact JWS, unverified (only to learn how long to remember a revocation). */
function unverifiedClaims(token: string): JWTPayload | undefined {
  if (!looksLikeJWS(token)) return undefined;
  try {
    const payload: unknown = JSON.parse(
      Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'),
    );
    return payload !== null && typeof payload === 'object' ? (payload as JWTPayload) : undefined;
  } catch {
    return undefined;
  }
}

/** Could not get keys at all (Hydra down, bad JWKS): fail closed as 503, not "invalid token". */
function jwksUnavailable(joseErrors: typeof Jose.errors, err: unknown): boolean {
  return (
    err instanceof joseErrors.JWKSTimeout ||
    err instanceof joseErrors.JWKSInvalid ||
    // A non-200 JWKS answer.
    (err instanceof joseErrors.JOSEError && err.code === 'ERR_JOSE_GENERIC') ||
    (err instanceof Error && !(err instanceof joseErrors.JOSEError))
  );
}

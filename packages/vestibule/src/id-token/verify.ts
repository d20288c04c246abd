// Verification of the JWT that Oathkeeper's `id_token` mutator puts in `Authorization: Bearer …`
// (pipeline/mutate/mutator_id_token.go: claims from the rule's template, then exp, jti, iat, iss,
// nbf and sub = the authenticated subject, signed with a key from the mutator's `jwks_url`).
// The app fetches the matching public keys (Oathkeeper's `/.well-known/jwks.json`) with jose.
// - Asymmetric algorithms only (RS256, ES256): `alg: none` and HS256 "signed" with the public key
//   (the classic algorithm-confusion forgery) never verify.
// - The JWKS is cached, refetched for an unknown `kid` at most once per cooldown (an attacker
//   sending random kids cannot turn each request into a fetch), and reached through the one outbound
//   helper (timeout, no redirects). When it cannot be fetched, verification fails closed: a typed
//   error, never an anonymous or a user.
// - jose is imported on first use: an app that reads the edge's signed headers never loads it.
// - Verified tokens are remembered until they expire: Oathkeeper itself reuses one token per subject
//   for most of its TTL (its token cache), so a signature check per request would be repeated work
//   (npm run bench -- app-identity). Expiry is still checked on every use, against the same clock.
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { KratosUnavailable } from '../lib/errors.ts';
import { callOutbound, type FetchLike } from '../lib/outbound.ts';

export const ID_TOKEN_ALGORITHMS = ['RS256', 'ES256'] as const;
export type IDTokenAlgorithm = (typeof ID_TOKEN_ALGORITHMS)[number];

export interface IDTokenVerifierOptions {
  /** Where the signing keys are published (Oathkeeper: `http://oathkeeper:4456/.well-known/jwks.json`). */
  jwksURL: string;
  /** Expected `iss`: the mutator's `issuer_url`. */
  issuer?: string | readonly string[];
  /** Expected `aud` (set by the rule's `claims` template, e.g. `{"aud": ["notes"]}`). */
  audience?: string | readonly string[];
  /** Allowed clock difference for exp/nbf/iat, in seconds. Default 30. */
  clockToleranceSeconds?: number;
  /** Default RS256 and ES256; nothing else is accepted. */
  algorithms?: readonly IDTokenAlgorithm[];
  /** JWKS fetch timeout. Default 5 000 ms. */
  timeoutMs?: number;
  /** How long fetched keys are used before a refetch. Default 10 minutes. */
  cacheMaxAgeMs?: number;
  /** Minimum time between refetches (an unknown `kid` triggers one). Default 30 000 ms. */
  cooldownMs?: number;
  /** Bytes of verified tokens remembered until their `exp` (0 turns it off). Default 4 MiB. */
  verifiedCacheBytes?: number;
  fetch?: FetchLike;
  now?: () => number;
}

export type IDTokenVerdict =
  | { valid: true; claims: JWTPayload }
  /** The token is not one we accept (bad signature, unknown key, claims, expired…). */
  | { valid: false; reason: string };

export type IDTokenVerifier = (token: string) => Promise<IDTokenVerdict>;

/** Failures that say something about the token, not about reaching the keys. */
const TOKEN_ERRORS = new Set([
  'ERR_JWT_EXPIRED',
  'ERR_JWT_CLAIM_VALIDATION_FAILED',
  'ERR_JWT_INVALID',
  'ERR_JWS_INVALID',
  'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED',
  'ERR_JOSE_NOT_SUPPORTED',
  'ERR_JWKS_NO_MATCHING_KEY',
  'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

export function createIDTokenVerifier(options: IDTokenVerifierOptions): IDTokenVerifier {
  const settings = validateOptions(options);
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const verified =
    settings.verifiedCacheBytes > 0
      ? new LRUCache<string, JWTPayload>({
          maxSize: settings.verifiedCacheBytes,
          sizeCalculation: (_claims, token) => token.length + 256,
        })
      : undefined;
  return async (token) => {
    const remembered = verified?.get(token);
    if (remembered) {
      // exp is required, so every remembered token has one; tolerance as in jwtVerify.
      const nowSeconds = settings.now() / 1000;
      if (nowSeconds < remembered.exp! + settings.clockToleranceSeconds) {
        return { valid: true, claims: remembered };
      }
      verified!.delete(token); // verified again below, which reports it as expired
    }
    const jose = await import('jose');
    keys ??= Promise.resolve(
      jose.createRemoteJWKSet(new URL(settings.jwksURL), {
        timeoutDuration: settings.timeoutMs,
        cacheMaxAge: settings.cacheMaxAgeMs,
        cooldownDuration: settings.cooldownMs,
        [jose.customFetch]: (url, init) =>
          callOutbound(url, init as RequestInit, {
            fetch: options.fetch,
            timeoutMs: settings.timeoutMs,
            service: `the JWKS at ${settings.jwksURL}`,
          }),
      }),
    );
    try {
      const { payload } = await jose.jwtVerify(token, await keys, {
        algorithms: [...settings.algorithms],
        clockTolerance: settings.clockToleranceSeconds,
        currentDate: new Date(settings.now()),
        requiredClaims: ['sub', 'exp'],
        ...(settings.issuer ? { issuer: [...settings.issuer] } : {}),
        ...(settings.audience ? { audience: [...settings.audience] } : {}),
      });
      verified?.set(token, payload);
      return { valid: true, claims: payload };
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code === 'string' && TOKEN_ERRORS.has(code)) {
        return { valid: false, reason: `${code}: ${(err as Error).message}` };
      }
      if (err instanceof KratosUnavailable) throw err;
      // A non-200 answer, a body that is not a JWKS, a timeout: the keys cannot be known.
      throw new KratosUnavailable(
        `cannot verify Oathkeeper id_tokens: the JWKS at ${settings.jwksURL} is unusable (${(err as Error).message})`,
        { cause: err, timeout: code === 'ERR_JWKS_TIMEOUT' },
      );
    }
  };
}

function validateOptions(options: IDTokenVerifierOptions) {
  if (!options || typeof options.jwksURL !== 'string' || !/^https?:\/\//i.test(options.jwksURL)) {
    throw new TypeError('oathkeeper.jwksURL must be an absolute http(s) URL');
  }
  if (!URL.canParse(options.jwksURL))
    throw new TypeError('oathkeeper.jwksURL must be an absolute http(s) URL');
  const algorithms = options.algorithms ?? ID_TOKEN_ALGORITHMS;
  if (
    algorithms.length === 0 ||
    algorithms.some((a) => !(ID_TOKEN_ALGORITHMS as readonly string[]).includes(a))
  ) {
    throw new TypeError(`oathkeeper.algorithms may list only ${ID_TOKEN_ALGORITHMS.join(', ')}`);
  }
  const tolerance = options.clockToleranceSeconds ?? 30;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 300) {
    throw new TypeError('oathkeeper.clockToleranceSeconds must be between 0 and 300');
  }
  return {
    jwksURL: options.jwksURL,
    issuer: listOf(options.issuer, 'oathkeeper.issuer'),
    audience: listOf(options.audience, 'oathkeeper.audience'),
    clockToleranceSeconds: tolerance,
    algorithms,
    timeoutMs: positive(options.timeoutMs, 5_000, 'oathkeeper.timeoutMs'),
    cacheMaxAgeMs: positive(options.cacheMaxAgeMs, 600_000, 'oathkeeper.cacheMaxAgeMs'),
    cooldownMs: positive(options.cooldownMs, 30_000, 'oathkeeper.cooldownMs'),
    verifiedCacheBytes: nonNegative(options.verifiedCacheBytes, 4 * 1024 * 1024),
    now: options.now ?? Date.now,
  };
}

function listOf(value: string | readonly string[] | undefined, option: string) {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? [value] : [...value];
  if (list.length === 0 || list.some((v) => typeof v !== 'string' || !v)) {
    throw new TypeError(`${option} must be a non-empty string or list of strings`);
  }
  return list;
}

function positive(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${option} must be positive`);
  return value;
}

function nonNegative(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) {
    throw new TypeError('oathkeeper.verifiedCacheBytes must be 0 or more');
  }
  return value;
}

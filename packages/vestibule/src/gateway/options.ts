// createGateway options, validated once (TypeError naming the option: these are caller bugs).
import { assertSecret } from '../identity-headers/sign.ts';
import { isValidLoginURL } from '../access/login-redirect.ts';
import type { ProfileSync } from '../session/user.ts';
import type { FetchLike } from '../lib/outbound.ts';
import type { Logger } from '../lib/logger.ts';
import type { SessionResolver, WhoamiOutcome } from '../session/resolver.ts';
import type { PermissionCheck } from './authorize.ts';
import type { AccessRuleConfig } from '../access/rules.ts';
import type { UpstreamPoolOptions } from '../upstream/forward.ts';
import type { RateLimiters } from '../rate-limit/limiter.ts';
import type { SessionBusFactory } from '../session-bus/bus.ts';
import type { AccessTokenStrategy } from '../access-token/verifier.ts';
import type { ScopeStrategy } from '../access-token/scope-strategy.ts';

export interface GatewayOptions {
  /** Where allowed requests go, e.g. http://127.0.0.1:4001 (a path prefix is kept). */
  upstreamURL: string;
  /** Access rules in order; first match wins. */
  rules: readonly AccessRuleConfig[];
  /** HMAC secret shared with the app (≥ 32 characters). */
  headerSecret: string;
  /**
   * Secrets for other upstreams (rules with their own `upstream`), by upstream URL (its origin
   * counts). Headers signed for one upstream verify wherever the same secret is known: give each
   * upstream its own, or one app can replay what it received to another (within the signature's
   * validity). Upstreams not listed use `headerSecret`, with a warning at startup when that makes
   * two upstreams share one.
   */
  upstreamSecrets?: Readonly<Record<string, string>>;
  /**
   * Upstreams (by URL; the origin counts) that receive the Kratos session credential — the session
   * cookie, X-Session-Token, `Authorization: Bearer ory_st_…` — as the client sent it. Every other
   * upstream never sees it (issue 13): an app holding it can act as the user at Kratos. Logged as a
   * warning at startup.
   */
  forwardSessionCredential?: readonly string[];
  /** Kratos public API; required unless `sessions` is given. */
  kratosPublicURL?: string;
  /** Share one session resolver (and its cache) with other edge parts. */
  sessions?: SessionResolver;
  cookieName?: string;
  /** whoami timeout. Default 2 000 ms. */
  whoamiTimeoutMs?: number;
  cache?: { ttlMs?: number; maxEntries?: number; negativeTtlMs?: number };
  /**
   * Session paths (dot-separated, e.g. `identity.traits.department`) that the cache must keep beyond
   * what the gateway reads itself (session/projection.ts's minimal set and every path the rules'
   * header templates name): for a `checkPermission` or `profiles` that reads more of `user.session`
   * or `user.traits`. `''` keeps whole sessions.
   */
  sessionPaths?: readonly string[];
  fetch?: FetchLike;
  /** No rule matched: `deny` (404, default) or `allow` (forward as public). */
  defaultDecision?: 'deny' | 'allow';
  /** Login page for browser redirects. Default `/login`. */
  loginURL?: string;
  /** Origin browsers use (absolute return_to). Default: from the request's Host. */
  publicURL?: string;
  /** Trust the peer's X-Forwarded-For/-Proto/-Host (only behind a load balancer you control). */
  trustProxy?: boolean;
  /** Provisioning store: its synced profile role is the role rules check. */
  profiles?: ProfileSync;
  /** Required when a rule uses mode `permission`. */
  checkPermission?: PermissionCheck;
  defaultRole?: string;
  /** Revocation webhook: POST <path> with `Authorization: Bearer <secret>`. */
  revocation?: { path?: string; secret: string };
  /**
   * How ended sessions reach the other edges (session-bus/): default none (one edge). Several edges
   * on one PostgreSQL pass `(cache) => createPostgresSessionBus({ pool: store.pool, cache, logger })`.
   */
  sessionBus?: SessionBusFactory;
  /**
   * Counters for rules with `rate_limit` (rate-limit/): default in memory, created when a rule has
   * one. Several edges share them through PostgreSQL: `createRateLimiters({ pool: store.pool })`.
   */
  rateLimiters?: RateLimiters;
  /**
   * Hydra access tokens (`Authorization: Bearer ory_at_…`) on rules with `scopes` or
   * `credentials: [access_token]`, introspected at Hydra's admin API with a short cache. Required
   * when a rule accepts them.
   */
  accessTokens?: GatewayAccessTokenOptions;
  /** More client headers to strip (besides x-user-*, x-vestibule-* and the usual suspects). */
  extraIdentityHeaders?: readonly string[];
  upstream?: UpstreamPoolOptions;
  logger?: Logger;
  now?: () => number;
  /** Timings and events for metrics; each hook is optional and costs nothing when unset. */
  observe?: GatewayObserver;
}

export interface GatewayAccessTokenOptions {
  /** Hydra's admin API (`hydra.admin_url`). */
  hydraAdminURL: string;
  /** Introspection timeout. Default 2 000 ms. */
  timeoutMs?: number;
  /** Longest an active token is trusted without asking Hydra (never past `exp`). Default 15 000 ms. */
  ttlMs?: number;
  /** How long "inactive" is remembered. Default 2 000 ms. */
  negativeTtlMs?: number;
  maxEntries?: number;
  /** `opaque` (introspect every token), `jwt` (verify JWS against the JWKS) or `auto`. */
  strategy?: AccessTokenStrategy;
  /**
   * How a rule's `scopes` match a token's granted ones: Hydra's `strategies.scope` (`exact`, or
   * `wildcard`, Hydra's default: a granted `notes.*` satisfies `notes.read`). Default wildcard.
   */
  scopeStrategy?: ScopeStrategy;
  /** For `jwt`/`auto`: where the JWKS is and which `iss` tokens must carry. */
  jwt?: { hydraPublicURL: string; issuer: string; clockToleranceMs?: number };
}

export interface GatewayObserver {
  /** A whoami call to Kratos (a session cache miss) and how long it took. */
  whoami?(outcome: WhoamiOutcome, seconds: number): void;
  /** Seconds from dispatch to the upstream's response head. */
  upstreamResponse?(seconds: number): void;
  /** An authenticated call to the revocation webhook. */
  revocation?(): void;
}

export interface GatewaySettings {
  upstreamURL: URL;
  /** upstreamSecrets by origin. */
  upstreamSecrets: ReadonlyMap<string, string>;
  /** Origins of forwardSessionCredential. */
  forwardSessionCredential: ReadonlySet<string>;
  kratosPublicURL?: string;
  defaultDecision: 'deny' | 'allow';
  loginURL: string;
  publicURL?: string;
  trustProxy: boolean;
  defaultRole: string;
  revocation?: { path: string; secret: string };
}

export function validateGatewayOptions(options: GatewayOptions): GatewaySettings {
  if (!options || typeof options !== 'object')
    throw new TypeError('createGateway: options are required');
  if (
    typeof options.upstreamURL !== 'string' ||
    !/^https?:\/\//i.test(options.upstreamURL) ||
    !URL.canParse(options.upstreamURL)
  ) {
    throw new TypeError('createGateway: upstreamURL must be an absolute http(s) URL');
  }
  if (!options.sessions && (!options.kratosPublicURL || !URL.canParse(options.kratosPublicURL))) {
    throw new TypeError('createGateway: kratosPublicURL (absolute URL) or sessions is required');
  }
  if (options.defaultDecision && !['deny', 'allow'].includes(options.defaultDecision)) {
    throw new TypeError('createGateway: defaultDecision must be "deny" or "allow"');
  }
  if (options.publicURL !== undefined && !URL.canParse(options.publicURL)) {
    throw new TypeError('createGateway: publicURL must be an absolute URL');
  }
  const loginURL = options.loginURL ?? '/login';
  if (!isValidLoginURL(loginURL)) {
    throw new TypeError(
      'createGateway: loginURL must be a path (/login) or an absolute http(s) URL',
    );
  }
  if (
    options.rules?.some((r) => r?.mode === 'permission') &&
    typeof options.checkPermission !== 'function'
  ) {
    throw new TypeError(
      'createGateway: a rule uses mode "permission" but checkPermission is not set',
    );
  }
  let revocation: GatewaySettings['revocation'];
  if (options.revocation) {
    const { secret, path = '/.vestibule/revoke' } = options.revocation;
    if (typeof secret !== 'string' || secret.length < 32) {
      throw new TypeError('createGateway: revocation.secret must be at least 32 characters');
    }
    if (!path.startsWith('/'))
      throw new TypeError('createGateway: revocation.path must start with "/"');
    revocation = { path, secret };
  }
  const upstreamSecrets = new Map<string, string>();
  for (const [url, secret] of Object.entries(options.upstreamSecrets ?? {})) {
    if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
      throw new TypeError(`createGateway: upstreamSecrets key must be an http(s) URL: ${url}`);
    }
    upstreamSecrets.set(
      new URL(url).origin,
      assertSecret(secret, `createGateway: upstreamSecrets[${url}]`),
    );
  }
  const forwardSessionCredential = new Set<string>();
  for (const url of options.forwardSessionCredential ?? []) {
    if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
      throw new TypeError(`createGateway: forwardSessionCredential must list http(s) URLs: ${url}`);
    }
    forwardSessionCredential.add(new URL(url).origin);
  }
  return {
    upstreamURL: new URL(options.upstreamURL),
    upstreamSecrets,
    forwardSessionCredential,
    kratosPublicURL: options.kratosPublicURL,
    defaultDecision: options.defaultDecision ?? 'deny',
    loginURL,
    publicURL: options.publicURL,
    trustProxy: options.trustProxy === true,
    defaultRole: options.defaultRole ?? 'user',
    revocation,
  };
}

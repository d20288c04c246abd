// The shape of `vestibule.yml`, the edge's one config file. Validated once at startup (Auth.js habit:
// assert config into errors and warnings, then freeze). Keys are snake_case like Ory's own configs.
// `strict` makes unknown keys visible: the loader turns those issues into warnings, not errors.
import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { parseRateSpec } from '../rate-limit/spec.ts';

export const RULE_MODES = ['public', 'optional', 'required', 'role'] as const;

/** A duration in milliseconds: a number, or a Go-style string ("500ms", "10s", "5m", "1h"). */
const duration = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const ms = parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration like "10s" or "500ms", got "${v}"`,
    });
    return z.NEVER;
  }
  return ms;
});

const httpURL = z
  .string()
  .refine((v) => /^https?:\/\/[^/]/i.test(v) && URL.canParse(v), {
    message: 'expected an absolute http(s) URL',
  })
  .transform((v) => v.replace(/\/+$/, ''));

const port = z.number().int().min(0).max(65535);

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

const rateSpec = z.string().refine((v) => parseRateSpec(v) !== undefined, {
  message: 'expected requests/window, e.g. 600/1m',
});

type ObjectMaker = <T extends z.ZodRawShape>(
  shape: T,
) => z.ZodObject<T, z.core.$strict> | z.ZodObject<T, z.core.$strip>;

/** Failures allowed in a sliding window, and the lock they start (doubling up to max_lock). */
function attemptRule(
  object: ObjectMaker,
  d: { max: number; window: number; lock: number; maxLock: number },
) {
  return object({
    max_failures: z.number().int().positive().default(d.max),
    window: duration.default(d.window),
    lock: duration.default(d.lock),
    max_lock: duration.default(d.maxLock),
  }).prefault({});
}

/** Attempts allowed in a sliding window (no lock: refused until old attempts leave it). */
function rateRule(object: ObjectMaker, d: { max: number; window: number }) {
  return object({
    max: z.number().int().positive().default(d.max),
    window: duration.default(d.window),
  }).prefault({});
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Login protection (issue 12): lockout, throttles, captcha, the unlock endpoint. */
function protectionSchema(object: ObjectMaker) {
  return object({
    enabled: z.boolean().default(true),
    login: object({
      identifier: attemptRule(object, {
        max: 5,
        window: 15 * MINUTE,
        lock: 15 * MINUTE,
        maxLock: 24 * HOUR,
      }),
      address: attemptRule(object, { max: 100, window: HOUR, lock: 15 * MINUTE, maxLock: HOUR }),
    }).prefault({}),
    recovery: object({
      send_per_identifier: rateRule(object, { max: 5, window: HOUR }),
      send_per_address: rateRule(object, { max: 20, window: HOUR }),
      code_per_flow: rateRule(object, { max: 10, window: 15 * MINUTE }),
      code_per_address: rateRule(object, { max: 50, window: HOUR }),
    }).prefault({}),
    verification: object({
      send_per_identifier: rateRule(object, { max: 5, window: HOUR }),
      send_per_address: rateRule(object, { max: 20, window: HOUR }),
      code_per_flow: rateRule(object, { max: 10, window: 15 * MINUTE }),
      code_per_address: rateRule(object, { max: 50, window: HOUR }),
    }).prefault({}),
    captcha: object({
      provider: z.enum(['turnstile', 'hcaptcha', 'recaptcha_v3', 'local']),
      site_key: z.string().min(1),
      secret: z.string().min(1),
      /** The provider's siteverify URL (the local verifier's in tests and the dev stack). */
      verify_url: httpURL.optional(),
      registration: z.boolean().default(true),
      recovery: z.boolean().default(true),
      /** `always`, `never`, or after this many recent failures for the identifier or address. */
      login: z
        .union([
          z.enum(['always', 'never']),
          object({ after_failures: z.number().int().nonnegative() }),
        ])
        .default({ after_failures: 3 }),
    }).optional(),
    /**
     * Security notices ("your password was changed", "your email address was changed" to the old
     * address, "your account was recovered") mailed over SMTP by `vestibule serve`. `connection_uri`
     * means what Kratos's `courier.smtp.connection_uri` means (env VESTIBULE_NOTIFICATIONS_SMTP_URI).
     */
    notifications: object({
      smtp: object({
        connection_uri: z
          .string()
          .regex(/^smtps?:\/\/[^\s]+$/i, 'expected an smtp:// or smtps:// URI'),
        from_address: z.string().regex(/^[^\s@<>]+@[^\s@<>]+$/, 'expected one email address'),
        from_name: z.string().min(1).optional(),
        /** Named in the mails ("your Acme account"). */
        product_name: z.string().min(1).optional(),
      }),
    }).optional(),
    /** Unlock and audit endpoint: `Authorization: Bearer {secret}` (vestibule lockout/audit). */
    admin: object({
      path: z
        .string()
        .regex(/^\/[A-Za-z0-9._~\-/]*[^/]$/, 'expected a path like /.vestibule/protection')
        .default('/.vestibule/protection'),
      secret: z.string().min(32, 'expected at least 32 characters'),
    }).optional(),
  }).prefault({});
}

function buildSchema(strict: boolean) {
  const object: ObjectMaker = <T extends z.ZodRawShape>(shape: T) =>
    strict ? z.strictObject(shape) : z.object(shape);

  const rule = object({
    id: z.string().min(1).optional(),
    /** Glob (`*` = one segment, `**` = any depth) or, with `regex: true`-style prefix `re:`, a regex. */
    path: z.string().min(1).optional(),
    regex: z.string().min(1).optional(),
    methods: z.array(z.string().regex(/^[A-Za-z]+$/, 'expected an HTTP method')).optional(),
    mode: z.enum(RULE_MODES),
    roles: z.array(z.string().min(1)).min(1).optional(),
    /**
     * Which credentials authenticate: the Kratos session `cookie`, a Kratos session `token`, a Hydra
     * `access_token`. Default cookie and token; access tokens only where listed or `scopes` is set.
     */
    credentials: z
      .array(z.enum(['cookie', 'token', 'access_token']))
      .min(1)
      .optional(),
    /** Scopes a Hydra access token must carry, all of them (`[notes.read]`); implies access_token.
     * Matched by `hydra.scope_strategy`. */
    scopes: z.array(z.string().min(1)).optional(),
    /** This rule's own scope matching (`exact` or `wildcard`), overriding `hydra.scope_strategy`. */
    scope_strategy: z.enum(['exact', 'wildcard']).optional(),
    /**
     * `off`: cookie-authenticated unsafe requests and WebSocket upgrades from another site pass
     * (webhooks, cross-site form posts you mean to accept). Default `on`.
     */
    csrf: z.union([z.enum(['on', 'off']), z.boolean()]).optional(),
    /** `{ per_identity: 600/1m, per_anonymous_address: 60/1m }`: 429 with Retry-After beyond. */
    rate_limit: object({
      per_identity: rateSpec.optional(),
      per_anonymous_address: rateSpec.optional(),
    }).optional(),
  }).superRefine((r, ctx) => {
    if (!r.path === !r.regex) {
      ctx.addIssue({ code: 'custom', message: 'set exactly one of path or regex' });
    }
    if (r.mode === 'role' && !r.roles) {
      ctx.addIssue({ code: 'custom', path: ['roles'], message: 'required when mode is role' });
    }
    if (r.regex) {
      try {
        new RegExp(r.regex);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['regex'], message: (err as Error).message });
      }
    }
  });

  return object({
    server: object({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(4000),
      /** The origin browsers use to reach the edge; decides cookie `Secure` and absolute redirects. */
      public_url: httpURL.default('http://localhost:4000'),
      /** Trust X-Forwarded-* from the peer (only behind a load balancer you control). */
      trust_proxy: z.boolean().default(false),
      shutdown_timeout: duration.default(10_000),
      /**
       * Strict-Transport-Security max-age in seconds on every response when public_url is https
       * (RFC 6797); 0 sends none. Never over http: browsers ignore it there (§8.1).
       */
      hsts_max_age: z.number().int().nonnegative().default(31_536_000),
      /** Add `includeSubDomains`: every subdomain of the public host must then serve https. */
      hsts_include_subdomains: z.boolean().default(false),
    }).prefault({}),
    kratos: object({
      /** Where the edge reaches Kratos's public API (often an in-cluster URL). Unset in `vestibule up`
       * means "start the embedded identity server". */
      public_url: httpURL.optional(),
      /** Kratos's own `serve.public.base_url`, if it differs from public_url; rewritten to the proxy path. */
      browser_url: httpURL.optional(),
      /** Admin API (seeding, revocation webhooks); never exposed through the proxy. */
      admin_url: httpURL.optional(),
      /** Host names (port ignored) Kratos may put in URLs that a browser cannot resolve, as a regex;
       * `false` disables. Unset: the Ory Helm chart's names (ory-kratos, ory-kratos-public.ns.svc, …). */
      in_cluster_pattern: z
        .union([
          z.literal(false),
          z.string().refine(isRegExp, { message: 'expected a valid regular expression' }),
        ])
        .optional(),
      timeouts: object({
        request: duration.default(10_000),
        whoami: duration.default(3_000),
      }).prefault({}),
    }).prefault({}),
    hydra: object({
      /** Hydra's public API (the issuer the relying parties talk to). Unset in `vestibule up` means
       * "start the embedded OAuth2 server". */
      public_url: httpURL.optional(),
      /** Hydra's admin API: the edge accepts login, consent and logout challenges there. With it set,
       * the edge serves /oauth2/login, /oauth2/consent, /oauth2/logout and /oauth2/error. */
      admin_url: httpURL.optional(),
      /** How long a remembered consent lasts (0: until revoked), as Hydra's `remember_for`. */
      remember_consent_for: duration.default(30 * 24 * 3600 * 1000),
      /** Scope → the words the consent page shows for it (`notes.read: Read your notes`); other
       * scopes keep the standard wording (`openid`, `email`, …) or `Access “<scope>”`. */
      scope_descriptions: z
        .record(
          z.string().regex(SCOPE_TOKEN, 'expected an OAuth2 scope (RFC 6749 §3.3 characters)'),
          z.string().trim().min(1, 'expected the words to show').max(200),
        )
        .default({}),
      timeout: duration.default(10_000),
      /** Longest the gateway trusts an introspected access token without asking again (never past
       * its `exp`): how long a token revoked at Hydra may still pass. */
      introspection_cache_ttl: duration.default(15_000),
      introspection_timeout: duration.default(2_000),
      /** How the gateway checks Bearer access tokens: `opaque` introspects every token at the admin
       * API; `jwt` verifies JWS tokens against `<public_url>/.well-known/jwks.json` (no call per
       * token; a revocation is seen only through the edge's revocation webhook or the session bus);
       * `auto` verifies a JWS locally and introspects anything else. */
      access_token_strategy: z.enum(['opaque', 'jwt', 'auto']).default('opaque'),
      /** How a rule's `scopes` match a token's granted scopes: as Hydra's `strategies.scope` (set the
       * same value). `wildcard` (Hydra's default, and the embedded server's): a granted `notes.*`
       * satisfies `notes.read`; `exact`: names must be equal. */
      scope_strategy: z.enum(['exact', 'wildcard']).default('wildcard'),
      /** The `iss` JWT access tokens must carry, exactly as Hydra writes it (its `urls.self.issuer`,
       * trailing slash and all: kept as given). Default: public_url. */
      issuer: z
        .string()
        .refine((v) => /^https?:\/\/[^/]/i.test(v) && URL.canParse(v), {
          message: 'expected an http(s) URL',
        })
        .optional(),
    }).prefault({}),
    proxy: object({
      prefix: z
        .string()
        .regex(/^\/[A-Za-z0-9._~\-/]*[^/]$/, 'expected a path like /api/ory (no trailing slash)')
        .default('/api/ory'),
      /** Keep `Domain=` on Kratos cookies only when set (host-only cookies otherwise). */
      cookie_domain: z.string().min(1).optional(),
      /** Largest request body forwarded to Kratos, in bytes (413 above it); keep ≤ Kratos's own. */
      max_body_bytes: z
        .number()
        .int()
        .positive()
        .max(2 ** 30)
        .default(1024 * 1024),
    }).prefault({}),
    pages: object({
      theme: object({
        brand: z.string().min(1).default('Vestibule'),
        accent_color: z
          .string()
          .regex(/^#[0-9a-fA-F]{3,8}$/, 'expected a hex colour like #4f46e5')
          .default('#4f46e5'),
      }).prefault({}),
      /** Message id (e.g. 4000006) → text, overriding Kratos's English text. */
      translations: z
        .record(z.string().regex(/^\d+$/, 'expected a message id'), z.string())
        .default({}),
    }).prefault({}),
    gateway: object({
      upstream_url: httpURL.optional(),
      rules: z.array(rule).default([]),
      /** Path to an Oathkeeper access-rules file (JSON or YAML), used in addition to `rules`. */
      oathkeeper_rules_file: z.string().min(1).optional(),
      /** Oathkeeper's access_rules.matching_strategy for that file. */
      oathkeeper_matching_strategy: z.enum(['regexp', 'glob']).default('regexp'),
      /** Session revocation webhook: POST {path} with `Authorization: Bearer {secret}`. */
      revocation: object({
        path: z
          .string()
          .regex(/^\/[A-Za-z0-9._~\-/]*$/, 'expected a path like /.vestibule/revoke')
          .default('/.vestibule/revoke'),
        secret: z.string().min(32, 'expected at least 32 characters'),
      }).optional(),
      default_decision: z.enum(['deny', 'allow']).default('deny'),
      /**
       * Kratos's `session.cookie.name`; a `__Host-` name works over https. The edge reads the session
       * from it and strips it from what upstreams receive.
       */
      session_cookie_name: z
        .string()
        .regex(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/, 'expected a cookie name')
        .default('ory_kratos_session'),
      /** The main upstream receives the session cookie and token (warning CONFIG_FORWARDS_SESSION_CREDENTIAL). */
      forward_session_credential: z.boolean().default(false),
      /** HMAC secret shared with the app for the signed identity headers (≥ 32 characters). */
      header_secret: z.string().min(32, 'expected at least 32 characters').optional(),
      /**
       * A header secret per further upstream (rules of the Oathkeeper file that name their own):
       * headers signed for one upstream must not verify at another.
       */
      upstream_secrets: z
        .array(
          object({
            upstream: httpURL,
            header_secret: z.string().min(32, 'expected at least 32 characters'),
            /** This upstream receives the session cookie and token (a startup warning). */
            forward_session_credential: z.boolean().default(false),
          }),
        )
        .default([]),
      session_cache: object({
        ttl: duration.default(10_000),
        max_entries: z.number().int().positive().default(10_000),
      }).prefault({}),
      upstream_timeout: duration.default(30_000),
    }).prefault({}),
    dev: object({
      mailbox: z.boolean().default(false),
    }).prefault({}),
    /** The edge's own SQL store (lockout counters, audit log). */
    store: object({
      /**
       * `postgres://…` (shared by several edges: lockout counters, rate limits, and sessions revoked or
       * logged out through one edge refused by all, LISTEN/NOTIFY) or `memory`; unset: PGlite in
       * `directory`.
       */
      url: z
        .string()
        .refine((v) => v === 'memory' || /^postgres(ql)?:\/\//i.test(v), {
          message: 'expected a postgres:// URL or "memory"',
        })
        .optional(),
      /**
       * PGlite's directory when no url is set (one edge per directory: PGlite is single-process).
       * Neither set: PGlite in memory, so locks do not survive a restart (`vestibule up` sets it).
       */
      directory: z.string().min(1).optional(),
    }).prefault({}),
    protection: protectionSchema(object),
    audit: object({
      /** Events older than this are deleted in the background. Default 90 days. */
      retention: duration.default(90 * 24 * 3_600_000),
      /** HMAC key for the identifier hash (≥ 32 characters); unset: one generated into the store. */
      hash_secret: z.string().min(32, 'expected at least 32 characters').optional(),
    }).prefault({}),
    /**
     * Prometheus `/metrics` (docs/metrics.md). `port`: a listener of its own (on `host`, default
     * server.host), token optional; no `port`: on the edge's port, behind `bearer_token`. Neither: off.
     */
    metrics: object({
      port: port.optional(),
      host: z.string().min(1).optional(),
      bearer_token: z.string().min(16, 'expected at least 16 characters').optional(),
    }).prefault({}),
  });
}

// Built on demand, not at import, where they and zod's parsers held ~2 MB for good (see load.ts).
export const buildConfigSchemas = () => ({
  strict: buildSchema(true),
  lenient: buildSchema(false),
});
type ConfigSchema = ReturnType<typeof buildSchema>;
export type EdgeConfig = z.output<ConfigSchema>;
export type EdgeConfigInput = z.input<ConfigSchema>;
export type GatewayRuleConfig = EdgeConfig['gateway']['rules'][number];

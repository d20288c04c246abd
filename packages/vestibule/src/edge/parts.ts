// Builds the edge's parts from the validated config: the same-origin proxy (createOryProxy), the
// self-service pages (createSelfServicePages), the gateway (createGateway) and, in dev, the mailbox.
// Proxy and pages get the same Kratos URL settings, so a URL Kratos writes is mapped the same way in
// a proxied JSON body and in a server-rendered form. Logouts, revocations and settings/recovery
// submits seen by the proxy evict the gateway's cached sessions before the response goes out
// (issue-4: refused on the very next request; see session-events.ts).
import { createDevMailbox } from '../dev/index.ts';
import { createGateway } from '../gateway/gateway.ts';
import type { AccessRuleConfig } from '../gateway/index.ts';
import type { EdgeConfig, GatewayRuleConfig } from '../config/index.ts';
import { ConfigError } from '../lib/errors.ts';
import { lazyModule } from '../lib/lazy-module.ts';
import { callOutbound } from '../lib/outbound.ts';
import type { Logger } from '../lib/logger.ts';
import { createSelfServicePages } from '../pages/index.ts';
import { createOryProxy } from '../proxy/handler.ts';
import { createRateLimiters, loadRateLimiterLibrary } from '../rate-limit/limiter.ts';
import { createPostgresSessionBus } from '../session-bus/postgres.ts';
import { openEdgeStore, openLoginProtection, type LoginProtection } from '../protection/setup.ts';
import type { CaptchaVerifier, SecurityNotifier } from '../protection/index.ts';
import { createSessionEvents } from './session-events.ts';

// Parts only some configs have are imported when the config has them (an edge keeps every module it
// imports for good, issue 15): Hydra's login and consent app, the Oathkeeper rule import, captcha.
const loadOAuth2Pages = lazyModule('the OAuth2 pages', () => import('../oauth2/handler.ts'));
const loadOathkeeperImport = lazyModule(
  'the Oathkeeper rule import',
  () => import('../gateway/index.ts'),
);
const loadSiteverify = lazyModule('the captcha verifier', () => import('../captcha/siteverify.ts'));
import type { EdgeHandler, EdgeMount, EdgeParts } from './types.ts';
import { notFound } from './error-response.ts';
import { readinessOf } from './health.ts';
import type { EdgeMetrics } from '../metrics/index.ts';

export interface PartsOptions {
  logger: Logger;
  /** Where the parts report timings and events (metrics: on). */
  metrics?: EdgeMetrics;
  /** Test knobs passed to the parts (fake clock for restart windows, double-submit, lockouts). */
  now?: () => number;
  /** Mails "your password / email address was changed", "your account was recovered" (issue 12). */
  securityNotifier?: SecurityNotifier;
  /** Verifies captcha tokens when `protection.captcha` is configured. */
  captchaVerifier?: CaptchaVerifier;
  /** True while the OAuth2 server (Hydra) is still starting: /oauth2/* answer 503 meanwhile
   * (`vestibule up` starts its embedded one after the edge). */
  oauth2Starting?: () => boolean;
}

export async function buildEdgeParts(
  config: Readonly<EdgeConfig>,
  options: PartsOptions,
): Promise<EdgeParts> {
  const kratosPublicURL = required(config.kratos.public_url, 'kratos.public_url');
  const upstreamURL = required(config.gateway.upstream_url, 'gateway.upstream_url');
  const headerSecret = required(config.gateway.header_secret, 'gateway.header_secret');
  const { logger, metrics } = options;
  // Several edges on one PostgreSQL: one store (one pool, one set of migrations) for the session
  // bus, the rate limiters and the login protection.
  const sharedEdgeStore = sharedStore(config.store.url)
    ? await openEdgeStore(config.store.url!)
    : undefined;

  // rate-limiter-flexible is imported only by an edge that counts (issue 15), and before it listens.
  if (config.gateway.rules.some((r) => r.rate_limit) || sharedEdgeStore?.pool) {
    await loadRateLimiterLibrary();
  }
  const gateway = createGateway({
    upstreamURL,
    rules: await gatewayRules(config, logger),
    headerSecret,
    upstreamSecrets: Object.fromEntries(
      config.gateway.upstream_secrets.map((u) => [u.upstream, u.header_secret]),
    ),
    forwardSessionCredential: [
      ...(config.gateway.forward_session_credential ? [upstreamURL] : []),
      ...config.gateway.upstream_secrets
        .filter((u) => u.forward_session_credential)
        .map((u) => u.upstream),
    ],
    cookieName: config.gateway.session_cookie_name,
    kratosPublicURL,
    whoamiTimeoutMs: config.kratos.timeouts.whoami,
    cache: {
      ttlMs: config.gateway.session_cache.ttl,
      maxEntries: config.gateway.session_cache.max_entries,
    },
    defaultDecision: config.gateway.default_decision,
    loginURL: '/login',
    publicURL: config.server.public_url,
    trustProxy: config.server.trust_proxy,
    upstream: {
      headersTimeoutMs: config.gateway.upstream_timeout,
      bodyTimeoutMs: config.gateway.upstream_timeout,
    },
    ...(config.hydra.admin_url
      ? {
          accessTokens: {
            hydraAdminURL: config.hydra.admin_url,
            ttlMs: config.hydra.introspection_cache_ttl,
            timeoutMs: config.hydra.introspection_timeout,
            strategy: config.hydra.access_token_strategy,
            scopeStrategy: config.hydra.scope_strategy,
            ...(config.hydra.public_url
              ? {
                  jwt: {
                    hydraPublicURL: config.hydra.public_url,
                    issuer: config.hydra.issuer ?? config.hydra.public_url,
                  },
                }
              : {}),
          },
        }
      : {}),
    ...(config.gateway.revocation ? { revocation: { ...config.gateway.revocation } } : {}),
    ...(sharedEdgeStore?.pool
      ? {
          rateLimiters: createRateLimiters({ pool: sharedEdgeStore.pool }),
          sessionBus: (cache) =>
            createPostgresSessionBus({
              pool: sharedEdgeStore.pool!,
              cache,
              logger: logger.child({ component: 'session-bus' }),
              ...(metrics ? { onRemoteEvent: () => metrics.revocationEvent('bus') } : {}),
            }),
        }
      : {}),
    logger: logger.child({ component: 'gateway' }),
    ...(metrics
      ? {
          observe: {
            whoami: (outcome, seconds) => metrics.kratosLatency(outcome, seconds),
            upstreamResponse: (seconds) => metrics.upstreamLatency(seconds),
            revocation: () => metrics.revocationEvent('webhook'),
          },
        }
      : {}),
  });
  metrics?.readSessionCache(() => {
    const { hits, misses, evictions } = gateway.sessions.cache.stats;
    return { hits, misses, evictions, size: gateway.sessions.cache.size };
  });

  const sessionEvents = createSessionEvents(gateway, logger.child({ component: 'gateway' }));
  const protection = config.protection.enabled
    ? await openLoginProtection(config, {
        logger,
        now: options.now,
        securityNotifier: options.securityNotifier,
        captchaVerifier: options.captchaVerifier ?? (await captchaVerifierFromConfig(config)),
        store: sharedEdgeStore,
        identityOf: async (headers) => {
          const identity = (await gateway.sessions.resolve(headers)).session?.identity;
          const email = (identity?.traits as { email?: unknown } | undefined)?.email;
          return (
            identity && { id: identity.id, email: typeof email === 'string' ? email : undefined }
          );
        },
      })
    : undefined;

  // Proxy and pages recognise Kratos's URLs the same way (browser URL, in-cluster host names).
  const kratosURLOptions = {
    kratosBrowserURLs: config.kratos.browser_url ? [config.kratos.browser_url] : [],
    ...(config.kratos.in_cluster_pattern === undefined
      ? {}
      : {
          inClusterHostPattern:
            config.kratos.in_cluster_pattern === false
              ? (false as const)
              : new RegExp(config.kratos.in_cluster_pattern),
        }),
  };
  const proxy = createOryProxy({
    kratosPublicURL,
    publicOrigin: config.server.public_url,
    prefix: config.proxy.prefix,
    maxRequestBodyBytes: config.proxy.max_body_bytes,
    ...kratosURLOptions,
    ...(config.proxy.cookie_domain ? { cookieDomain: config.proxy.cookie_domain } : {}),
    timeoutMs: config.kratos.timeouts.request,
    trustForwardedHeaders: config.server.trust_proxy,
    logger: logger.child({ component: 'proxy' }),
    onLogout: async (event) => {
      metrics?.revocationEvent(event.kind === 'other-sessions-revoked' ? 'proxy' : 'logout');
      await sessionEvents.onLogout(event);
      await protection
        ?.state()
        .then((s) => s.audit.record({ event: 'session_revoked', requestId: event.requestId }));
    },
    ...(options.now ? { now: options.now } : {}),
  });

  const pages = createSelfServicePages({
    kratosPublicURL,
    ...kratosURLOptions,
    publicOrigin: config.server.public_url,
    trustForwardedHeaders: config.server.trust_proxy,
    proxyPrefix: config.proxy.prefix,
    timeoutMs: config.kratos.timeouts.request,
    translations: { ...config.pages.translations },
    theme: { brandName: config.pages.theme.brand, accentColor: config.pages.theme.accent_color },
    secret: headerSecret,
    logger: logger.child({ component: 'pages' }),
    ...(options.now ? { now: options.now } : {}),
    ...(config.protection.enabled && config.protection.captcha
      ? { captcha: pagesCaptcha(config.protection.captcha) }
      : {}),
  });

  const mounts: EdgeMount[] = [];
  if (config.hydra.admin_url) {
    // The edge is Hydra's login, consent and logout app (and shows its errors).
    const { createOAuth2Pages } = await loadOAuth2Pages();
    const oauth2 = createOAuth2Pages({
      hydraAdminURL: config.hydra.admin_url,
      kratosPublicURL,
      ...(config.kratos.admin_url ? { kratosAdminURL: config.kratos.admin_url } : {}),
      publicOrigin: config.server.public_url,
      secret: Buffer.from(headerSecret),
      ...pages.chrome,
      sessionCookieName: config.gateway.session_cookie_name,
      timeoutMs: config.hydra.timeout,
      rememberConsentForSeconds: Math.round(config.hydra.remember_consent_for / 1000),
      scopeDescriptions: config.hydra.scope_descriptions,
      logger: logger.child({ component: 'oauth2' }),
      ...(options.now ? { now: options.now } : {}),
      onSessionEnded: (event) => sessionEvents.onLogout({ kind: 'logout', ...event }),
      ...(options.oauth2Starting ? { starting: options.oauth2Starting } : {}),
    });
    mounts.push({
      matches: (p) => oauth2.matches(p),
      handle: (request, context) => oauth2.handle(request, context),
    });
  }
  if (protection?.admin) mounts.push(protection.admin);
  if (config.dev.mailbox && config.kratos.admin_url) {
    const mailbox = createDevMailbox({
      kratosAdminURL: config.kratos.admin_url,
      allowedHosts: [new URL(config.server.public_url).host],
    });
    mounts.push({
      matches: (p) => p === '/dev/mailbox' || p.startsWith('/dev/mailbox/'),
      handle: async (request, context) =>
        (await mailbox(request, context)) ?? notFound(request, context.requestId),
    });
  }

  return {
    proxy: sessionEvents.wrapProxy(
      withProtection(protection, (request, context) =>
        proxy(request, { clientAddress: context.clientAddress, requestId: context.requestId }),
      ),
      config.proxy.prefix,
    ),
    pages: {
      matches: (pathname) => pages.matches(pathname),
      handle: async (request, context) => {
        // A self-service page comes before its submit: an embedded store starts opening now.
        protection?.warm();
        return (
          (await pages(request, { requestId: context.requestId, log: context.log })) ??
          notFound(request, context.requestId)
        );
      },
    },
    mounts,
    gateway,
    ready: async () => ({
      kratos: await answers(`${kratosPublicURL}/health/ready`),
      upstream: await answers(upstreamURL, { anyStatus: true }),
      // The /oauth2/* pages need Hydra's admin API: readiness says whether it answers. An embedded
      // one still starting in the background is `'starting'`, which does not hold the edge's traffic.
      ...(config.hydra.admin_url
        ? {
            hydra: await readinessOf(
              () => answers(`${config.hydra.admin_url!.replace(/\/+$/, '')}/health/ready`),
              options.oauth2Starting,
            ),
          }
        : {}),
    }),
    close: async () => {
      await Promise.allSettled([proxy.close(), gateway.close(), protection?.close()]);
      await sharedEdgeStore?.close();
    },
  };
}

/** Every self-service submit through the protection pipeline (issue 12), when it is on. */
function withProtection(protection: LoginProtection | undefined, proxy: EdgeHandler): EdgeHandler {
  return protection ? protection.wrap(proxy) : proxy;
}

/** vestibule.yml rules (snake_case) plus an Oathkeeper rules file, in that order. */
async function gatewayRules(
  config: Readonly<EdgeConfig>,
  logger: Logger,
): Promise<AccessRuleConfig[]> {
  const own = config.gateway.rules.map((r: GatewayRuleConfig): AccessRuleConfig => ({
    ...(r.id ? { id: r.id } : {}),
    ...(r.path ? { path: r.path } : {}),
    ...(r.regex ? { regex: r.regex } : {}),
    ...(r.methods ? { methods: r.methods } : {}),
    mode: r.mode,
    ...(r.roles ? { roles: r.roles } : {}),
    ...(r.credentials ? { credentials: r.credentials } : {}),
    ...(r.scopes ? { scopes: r.scopes } : {}),
    ...(r.scope_strategy ? { scope_strategy: r.scope_strategy } : {}),
    ...(r.csrf === 'off' || r.csrf === false ? { csrf: 'off' as const } : {}),
    ...(r.rate_limit ? { rate_limit: r.rate_limit } : {}),
  }));
  if (!config.gateway.oathkeeper_rules_file) return own;
  const { loadOathkeeperRulesFile } = await loadOathkeeperImport();
  const imported = await loadOathkeeperRulesFile(config.gateway.oathkeeper_rules_file, {
    matchingStrategy: config.gateway.oathkeeper_matching_strategy,
    // Rules written for another host must not apply here (Oathkeeper matches the whole URL).
    publicURL: config.server.public_url,
  });
  for (const warning of imported.warnings) logger.warn('oathkeeper rule import', { warning });
  return [...own, ...imported.rules];
}

async function answers(url: string, options: { anyStatus?: boolean } = {}): Promise<boolean> {
  try {
    const res = await callOutbound(url, { method: 'GET' }, { timeoutMs: 2_000, service: url });
    await res.body?.cancel();
    return options.anyStatus ? true : res.ok;
  } catch {
    return false;
  }
}

function required(value: string | undefined, key: string): string {
  if (!value) throw new ConfigError(key, 'required');
  return value;
}

/** A PostgreSQL store is shared by the edges that name it; anything else belongs to one edge. */
function sharedStore(url: string | undefined): boolean {
  return url !== undefined && /^postgres(?:ql)?:\/\//i.test(url);
}

type CaptchaConfig = NonNullable<EdgeConfig['protection']['captcha']>;

/** `protection.captcha` alone is enough: the provider's siteverify client from its keys. */
async function captchaVerifierFromConfig(
  config: Readonly<EdgeConfig>,
): Promise<CaptchaVerifier | undefined> {
  const c = config.protection.captcha;
  if (!c) return undefined;
  const { createSiteverifyVerifier } = await loadSiteverify();
  return createSiteverifyVerifier({
    provider: c.provider,
    siteKey: c.site_key,
    secret: c.secret,
    ...(c.verify_url ? { verifyUrl: c.verify_url } : {}),
  });
}

/** The widget the pages render for the verifier the pipeline calls (same provider, same site key). */
function pagesCaptcha(c: CaptchaConfig) {
  return {
    provider: c.provider,
    siteKey: c.site_key,
    // The local verifier serves its own widget next to its siteverify endpoint.
    ...(c.provider === 'local' && c.verify_url
      ? { localVerifierURL: new URL(c.verify_url).origin }
      : {}),
    flows: [
      ...(c.login === 'never' ? [] : (['login'] as const)),
      ...(c.registration ? (['registration'] as const) : []),
      ...(c.recovery ? (['recovery'] as const) : []),
    ],
  };
}

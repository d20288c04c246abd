// Builds the edge's parts from the validated config: the same-origin proxy (createOryProxy), the
// self-service pages (createSelfServicePages), the gateway (createGateway) and, in dev, the mailbox.
// Proxy and pages get the same Kratos URL settings, so a URL Kratos writes is mapped the same way in
// a proxied JSON body and in a server-rendered form. Logouts, revocations and settings/recovery
// submits seen by the proxy evict the gateway's cached sessions before the response goes out
// (issue-4: refused on the very next request; see session-events.ts).
import { createDevMailbox } from '../dev/index.ts';
import { createGateway, loadOathkeeperRulesFile, type AccessRuleConfig } from '../gateway/index.ts';
import type { EdgeConfig, GatewayRuleConfig } from '../config/index.ts';
import { ConfigError } from '../lib/errors.ts';
import { callOutbound } from '../lib/outbound.ts';
import type { Logger } from '../lib/logger.ts';
import { createSelfServicePages } from '../pages/index.ts';
import { createOryProxy } from '../proxy/handler.ts';
import { createSessionEvents } from './session-events.ts';
import type { EdgeMount, EdgeParts } from './types.ts';
import { notFound } from './error-response.ts';
import type { EdgeMetrics } from '../metrics/index.ts';

export interface PartsOptions {
  logger: Logger;
  /** Where the parts report timings and events (metrics: on). */
  metrics?: EdgeMetrics;
  /** Test knobs passed to the parts (fake clock for restart windows and double-submit). */
  now?: () => number;
}

export async function buildEdgeParts(
  config: Readonly<EdgeConfig>,
  options: PartsOptions,
): Promise<EdgeParts> {
  const kratosPublicURL = required(config.kratos.public_url, 'kratos.public_url');
  const upstreamURL = required(config.gateway.upstream_url, 'gateway.upstream_url');
  const headerSecret = required(config.gateway.header_secret, 'gateway.header_secret');
  const { logger, metrics } = options;

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
    ...(config.gateway.revocation ? { revocation: { ...config.gateway.revocation } } : {}),
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
    onLogout: (event) => {
      metrics?.revocationEvent(event.kind === 'other-sessions-revoked' ? 'proxy' : 'logout');
      return sessionEvents.onLogout(event);
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
  });

  const mounts: EdgeMount[] = [];
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
      (request, context) =>
        proxy(request, { clientAddress: context.clientAddress, requestId: context.requestId }),
      config.proxy.prefix,
    ),
    pages: {
      matches: (pathname) => pages.matches(pathname),
      handle: async (request, context) =>
        (await pages(request, { requestId: context.requestId, log: context.log })) ??
        notFound(request, context.requestId),
    },
    mounts,
    gateway,
    ready: async () => ({
      kratos: await answers(`${kratosPublicURL}/health/ready`),
      upstream: await answers(upstreamURL, { anyStatus: true }),
    }),
    close: async () => {
      await Promise.allSettled([proxy.close(), gateway.close()]);
    },
  };
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
    ...(r.csrf === 'off' || r.csrf === false ? { csrf: 'off' as const } : {}),
  }));
  if (!config.gateway.oathkeeper_rules_file) return own;
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

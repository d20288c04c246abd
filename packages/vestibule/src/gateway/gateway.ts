// createGateway(): the identity-aware reverse proxy. For each request: normalise the target, match
// the first access rule, establish identity (cached whoami), then either deny with a decision or
// forward to the upstream with client identity headers stripped and signed ones injected.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { denyDecision } from '../access/decision.ts';
import { assertSecret } from '../identity-headers/sign.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { requestIdFrom } from '../lib/request-id.ts';
import { extractCredential, nodeHeaderReader, type HeaderReader } from '../session/credential.ts';
import { credentialKey } from '../session/cache.ts';
import { createLocalSessionBus } from '../session-bus/bus.ts';
import { createRateLimiters } from '../rate-limit/limiter.ts';
import { createRateLimitCheck } from './rate-limit.ts';
import type { SessionEvent } from '../session-bus/events.ts';
import type { AuthorizeContext } from './authorize.ts';
import { canonicalHeaderName } from '../upstream/headers.ts';
import { validateGatewayOptions, type GatewayOptions } from './options.ts';
import { createRevocationHandler, type RevocationRequest } from './revoke.ts';
import { compileRules, type RuleSet } from '../access/rules.ts';
import { createAccessTokenVerifier } from '../access-token/verifier.ts';
import { DEFAULT_SCOPE_STRATEGY, SCOPE_STRATEGIES } from '../access-token/scope-strategy.ts';
import { accessTokenJtiKey, accessTokenKey } from '../access-token/key.ts';
import { createPlanner, type PlanResult } from './plan.ts';
import { gatewaySessions } from './sessions.ts';
import type { SessionResolver } from '../session/resolver.ts';
import {
  createUpstreams,
  forwardHTTP,
  type ForwardOptions,
  setResponseFields,
  writeDecision,
} from '../upstream/forward.ts';
import { forwardUpgrade, rejectUpgrade, type EdgeFields } from '../upstream/upgrade.ts';

/** What the gateway decided for one request, filled in by `handle` (metrics labels). */
export interface GatewayNote {
  /** The matched rule's id; `none` when none matched. */
  rule: string;
  /** `allow` (forwarded) or `deny` (answered by the edge). */
  decision: string;
}

export interface Gateway {
  /**
   * Node request listener for everything the edge routes to the app. Never throws. Settles once the
   * request is answered by the edge or dispatched upstream, not when the upstream response ends.
   */
  handle(
    req: IncomingMessage,
    res: ServerResponse,
    note?: GatewayNote,
    /**
     * Headers for every answer, [lower-case name, value] (the edge's `x-request-id`): first in the
     * forwarded response's head (an upstream header of the same name wins), set on every other.
     */
    responseFields?: EdgeFields,
  ): Promise<void>;
  /**
   * Attach to `server.on('upgrade', gateway.handleUpgrade)`: WebSockets on allowed routes.
   * `edgeFields` go on every response written to the socket (the edge's Strict-Transport-Security).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, edgeFields?: EdgeFields): void;
  /** `handle` puts its `responseFields` on every answer (the edge relies on it). */
  readonly writesResponseFields: true;
  /**
   * The same-origin proxy calls this when a logout passes through: evicts that credential here and
   * announces it to the other edges (resolves once announced).
   */
  onLogout(headers: HeaderReader): Promise<void>;
  /** Admin-side revocation: evicts an identity's or a session's cached sessions, on every edge. */
  revoke(request: RevocationRequest): Promise<number>;
  /** Forgets every cached session on every edge (whose sessions changed could not be learnt). */
  forgetAllSessions(): Promise<void>;
  readonly sessions: SessionResolver;
  readonly rules: RuleSet;
  close(): Promise<void>;
}

const NO_FIELDS: EdgeFields = [];
const SETTLED = Promise.resolve();

/** `url` is exactly `path`, with or without a query. */
function isPath(url: string | undefined, path: string): boolean {
  return (
    url !== undefined &&
    url.startsWith(path) &&
    (url.length === path.length || url[path.length] === '?')
  );
}

export function createGateway(options: GatewayOptions): Gateway {
  const settings = validateGatewayOptions(options);
  const rules = compileRules(options.rules);
  const logger = options.logger ?? createLogger({ base: { component: 'gateway' } });
  const { sessions, close: closeSessions } = gatewaySessions(options, settings, rules);
  const tokenRule = rules.rules.find((rule) => rule.accessToken);
  if (tokenRule && !options.accessTokens) {
    throw new TypeError(
      `createGateway: rule ${tokenRule.id} accepts access tokens: accessTokens.hydraAdminURL (hydra.admin_url) is required`,
    );
  }
  const accessTokens = options.accessTokens
    ? createAccessTokenVerifier({
        ...options.accessTokens,
        fetch: options.fetch,
        now: options.now,
      })
    : undefined;
  const scopeStrategy = options.accessTokens?.scopeStrategy ?? DEFAULT_SCOPE_STRATEGY;
  if (!SCOPE_STRATEGIES.includes(scopeStrategy)) {
    throw new TypeError(
      `createGateway: accessTokens.scopeStrategy must be exact or wildcard, got ${String(scopeStrategy)}`,
    );
  }
  const ctx: AuthorizeContext = {
    ...(accessTokens ? { accessTokens, scopeStrategy } : {}),
    sessions,
    profiles: options.profiles,
    checkPermission: options.checkPermission,
    defaultRole: settings.defaultRole,
    defaultDecision: settings.defaultDecision,
    loginURL: settings.loginURL,
    logger,
  };
  const extraIdentityHeaders = new Set([
    ...(options.extraIdentityHeaders ?? []).map(canonicalHeaderName),
    ...rules.rules.flatMap((r) => Object.keys(r.headers).map(canonicalHeaderName)),
  ]);
  const upstreams = createUpstreams(options.upstream);
  const secret = assertSecret(options.headerSecret, 'createGateway: headerSecret');
  const revocation = settings.revocation
    ? createRevocationHandler(settings.revocation, (r) => {
        options.observe?.revocation?.();
        return revoke(r);
      })
    : undefined;

  // Peers name a revoked access token by its key on the bus, as a 'credential' event: the cache the
  // bus applies events to forgets it in the access-token cache too.
  const bus = (options.sessionBus ?? createLocalSessionBus)(
    accessTokens ? withAccessTokens(sessions.cache, accessTokens) : sessions.cache,
  );
  const announce = (events: SessionEvent[]) => Promise.all(events.map((e) => bus.announce(e)));

  const revoke = async (request: RevocationRequest): Promise<number> => {
    let evicted = 0;
    const events: SessionEvent[] = [];
    if (request.identityId) {
      evicted += sessions.cache.evictIdentity(request.identityId);
      events.push({ kind: 'identity', identityId: request.identityId });
    }
    if (request.sessionId) {
      evicted += sessions.cache.evictSession(request.sessionId);
      events.push({ kind: 'session', sessionId: request.sessionId });
    }
    if (request.sessionToken) {
      const credential = { kind: 'token', value: request.sessionToken } as const;
      sessions.cache.evict(credential);
      evicted++;
      events.push({ kind: 'credential', key: credentialKey(credential) });
    }
    if (request.accessToken && accessTokens) {
      accessTokens.evict(request.accessToken);
      evicted++;
      events.push({ kind: 'credential', key: accessTokenKey(request.accessToken) });
    }
    if (request.accessTokenJti && accessTokens) {
      const key = accessTokenJtiKey(request.accessTokenJti);
      accessTokens.evictKey(key);
      evicted++;
      events.push({ kind: 'credential', key });
    }
    await announce(events);
    return evicted;
  };

  const secretFor = (origin: string) => settings.upstreamSecrets.get(origin) ?? secret;
  warnOnSharedSecrets(settings.upstreamURL.origin, rules, secretFor, logger);
  if (settings.forwardSessionCredential.size) {
    logger.warn(
      'upstreams receive the Kratos session credential (forward_session_credential): they can act ' +
        'as the user at Kratos; forward it only to an app that must call Kratos itself',
      {
        code: 'CONFIG_FORWARDS_SESSION_CREDENTIAL',
        upstreams: [...settings.forwardSessionCredential],
      },
    );
  }
  const rateLimiters =
    options.rateLimiters ??
    (rules.rules.some((r) => r.rateLimit) ? createRateLimiters() : undefined);
  const plan = createPlanner({
    rules,
    ...(rateLimiters
      ? { rateLimit: createRateLimitCheck(rateLimiters, settings.trustProxy, logger) }
      : {}),
    ctx,
    settings,
    extraIdentityHeaders,
    cookieName: sessions.cookieName,
    secretFor,
    now: options.now ?? Date.now,
  });

  const onUpstreamError = (err: unknown, requestId: string) =>
    logger.error('upstream request failed', { requestId, err });

  const onResponseHead = options.observe?.upstreamResponse;

  /** Answers with the plan's decision or dispatches upstream; synchronous. */
  const respond = (
    req: IncomingMessage,
    res: ServerResponse,
    result: PlanResult,
    note: GatewayNote | undefined,
    responseFields: EdgeFields,
  ): void => {
    if (note) {
      note.rule = result.rule;
      note.decision = result.forward ? 'allow' : 'deny';
    }
    if (!result.forward) {
      setResponseFields(res, responseFields);
      return writeDecision(res, result.decision!);
    }
    const forward: ForwardOptions = {
      pool: upstreams.pool(result.forward.origin),
      path: result.forward.path,
      headers: result.forward.headers,
      requestId: result.requestId,
      responseFields,
      onError: onUpstreamError,
    };
    if (onResponseHead) forward.onResponseHead = onResponseHead;
    forwardHTTP(req, res, forward);
  };

  const failed =
    (req: IncomingMessage, res: ServerResponse, responseFields: EdgeFields) =>
    (err: unknown): void => {
      logger.error('gateway failure', { err });
      if (!res.headersSent) {
        setResponseFields(res, responseFields);
        writeDecision(
          res,
          denyDecision({
            status: 500,
            code: 'INTERNAL',
            message: 'Something went wrong.',
            requestId: requestIdFrom(nodeHeaderReader(req.headers)),
            html: false,
          }),
        );
      } else res.destroy();
    };

  // Not an async function: a request decided synchronously (public rules, cached sessions — the
  // hot path) gets the one settled promise below, not a promise and an async frame of its own.
  const handle = (
    req: IncomingMessage,
    res: ServerResponse,
    note?: GatewayNote,
    responseFields: EdgeFields = NO_FIELDS,
  ): Promise<void> => {
    try {
      if (revocation && isPath(req.url, revocation.path)) {
        if (note) note.rule = 'revocation';
        setResponseFields(res, responseFields);
        return revocation.handle(req, res).catch(failed(req, res, responseFields));
      }
      const planned = plan(req);
      if (planned instanceof Promise) {
        return planned
          .then((result) => respond(req, res, result, note, responseFields))
          .catch(failed(req, res, responseFields));
      }
      respond(req, res, planned, note, responseFields);
    } catch (err) {
      failed(req, res, responseFields)(err);
    }
    return SETTLED;
  };

  const handleUpgrade = (
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    edgeFields: EdgeFields = [],
  ): void => {
    socket.on('error', () => socket.destroy());
    // A planner that throws synchronously must end in the rejection branch too.
    new Promise<PlanResult>((resolve) => resolve(plan(req))).then(
      (result) => {
        if (!result.forward) return rejectUpgrade(socket, result.decision!, edgeFields);
        forwardUpgrade(
          req,
          socket,
          head,
          result.forward,
          (err) => logger.warn('websocket upstream failed', { requestId: result.requestId, err }),
          edgeFields,
        );
      },
      (err) => {
        logger.error('gateway upgrade failure', { err });
        socket.destroy();
      },
    );
  };

  return {
    handle,
    handleUpgrade,
    writesResponseFields: true,
    async onLogout(headers) {
      const credential = extractCredential(headers, { cookieName: sessions.cookieName });
      if (!credential) return;
      sessions.cache.evict(credential);
      await bus.announce({ kind: 'credential', key: credentialKey(credential) });
    },
    revoke,
    async forgetAllSessions() {
      sessions.cache.clear();
      await bus.announce({ kind: 'all' });
    },
    sessions,
    rules,
    close: async () => {
      await Promise.all([upstreams.close(), bus.close(), rateLimiters?.close(), closeSessions()]);
    },
  };
}

/**
 * Signed identity headers verify wherever their secret is known: when two upstreams share one, either
 * app can replay what it received to the other (same method and path, within the validity window).
 */
function warnOnSharedSecrets(
  defaultOrigin: string,
  rules: RuleSet,
  secretFor: (origin: string) => string,
  logger: Logger,
): void {
  const origins = new Set([defaultOrigin]);
  for (const rule of rules.rules) if (rule.upstream) origins.add(new URL(rule.upstream.url).origin);
  const bySecret = new Map<string, string[]>();
  for (const origin of origins) {
    const secret = secretFor(origin);
    bySecret.set(secret, [...(bySecret.get(secret) ?? []), origin]);
  }
  for (const shared of bySecret.values()) {
    if (shared.length < 2) continue;
    logger.warn(
      'upstreams share one header secret: identity headers one of them receives are valid at the ' +
        'others; give each its own (gateway.upstream_secrets)',
      { upstreams: shared },
    );
  }
}

/** The session cache as the bus sees it: evicting a key reaches the access-token cache too. */
function withAccessTokens(
  cache: SessionResolver['cache'],
  accessTokens: { evictKey(key: string): void },
): SessionResolver['cache'] {
  const evictKey = (key: string) => {
    cache.evictKey(key);
    accessTokens.evictKey(key);
  };
  return new Proxy(cache, {
    get: (target, name) => (name === 'evictKey' ? evictKey : Reflect.get(target, name)),
  });
}

// createGateway(): the identity-aware reverse proxy. For each request: normalise the target, match
// the first access rule, establish identity (cached whoami), then either deny with a decision or
// forward to the upstream with client identity headers stripped and signed ones injected.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { denyDecision, wantsHTML } from '../app/responses.ts';
import {
  assertSecret,
  encodeHeaderValue,
  encodeIdentity,
  signIdentityHeaders,
} from '../app/identity-headers.ts';
import type { User } from '../app/user.ts';
import { createLogger } from '../lib/logger.ts';
import { requestIdFrom } from '../lib/request-id.ts';
import { nodeHeaderReader, type HeaderReader } from '../session/credential.ts';
import { createSessionResolver, type SessionResolver } from '../session/resolver.ts';
import { authorize, type AuthorizeContext } from './authorize.ts';
import { canonicalHeaderName, filterRequestHeaders, forwardedHeaders } from './headers.ts';
import { validateGatewayOptions, type GatewayOptions } from './options.ts';
import { createRevocationHandler, type RevocationRequest } from './revoke.ts';
import { compileRules, type CompiledRule, type RuleSet } from './rules.ts';
import { normaliseTarget } from './target.ts';
import { renderHeaderTemplate } from './templates.ts';
import { createUpstreams, forwardHTTP, writeDecision } from './upstream.ts';
import { forwardUpgrade, rejectUpgrade } from './upgrade.ts';

export interface Gateway {
  /** Node request listener for everything the edge routes to the app. Never throws. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Attach to `server.on('upgrade', gateway.handleUpgrade)`: WebSockets on allowed routes. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The same-origin proxy calls this when a logout passes through: evicts that credential. */
  onLogout(headers: HeaderReader): void;
  /** Admin-side revocation: evict an identity's or a session's cached sessions. */
  revoke(request: RevocationRequest): number;
  readonly sessions: SessionResolver;
  readonly rules: RuleSet;
  close(): Promise<void>;
}

export interface ForwardPlan {
  origin: string;
  path: string;
  headers: string[];
}

export function createGateway(options: GatewayOptions): Gateway {
  const settings = validateGatewayOptions(options);
  const rules = compileRules(options.rules);
  const logger = options.logger ?? createLogger({ base: { component: 'gateway' } });
  const sessions =
    options.sessions ??
    createSessionResolver({
      kratosPublicURL: settings.kratosPublicURL!,
      cookieName: options.cookieName,
      timeoutMs: options.whoamiTimeoutMs,
      fetch: options.fetch,
      now: options.now,
      ...options.cache,
    });
  const ctx: AuthorizeContext = {
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
  const now = options.now ?? Date.now;
  const revocation = settings.revocation
    ? createRevocationHandler(settings.revocation, (r) => revoke(r))
    : undefined;

  const revoke = (request: RevocationRequest): number => {
    let evicted = 0;
    if (request.identityId) evicted += sessions.cache.evictIdentity(request.identityId);
    if (request.sessionId) evicted += sessions.cache.evictSession(request.sessionId);
    if (request.sessionToken) {
      sessions.cache.evict({ kind: 'token', value: request.sessionToken });
      evicted++;
    }
    return evicted;
  };

  /** Decide and build the forward plan, or return the response already written. */
  const plan = async (req: IncomingMessage, upgrade: boolean) => {
    const headers = nodeHeaderReader(req.headers);
    const requestId = requestIdFrom(headers);
    const html = wantsHTML(headers);
    const target = normaliseTarget(req.url);
    if (!target) {
      return {
        requestId,
        html,
        decision: denyDecision({
          status: 400,
          code: 'bad_request_target',
          message: 'Bad request.',
          requestId,
          html,
        }),
      };
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const rule = rules.match(method, target.path);
    const proto = forwardedProto(req, settings.trustProxy);
    const host = forwardedHost(req, settings.trustProxy);
    // Concatenate, never resolve: a `//x` target must stay a path.
    const edgeOrigin = settings.publicURL
      ? new URL(settings.publicURL).origin
      : `${proto}://${host}`;
    const originalURL = edgeOrigin + target.target;
    const outcome = await authorize(
      rule,
      { method, path: target.path, target: target.target, headers, requestId, originalURL },
      ctx,
    );
    if (outcome.kind === 'deny') return { requestId, html, decision: outcome.decision };
    const { origin, path, hostHeader } = upstreamFor(
      rule,
      target.target,
      settings.upstreamURL,
      req,
    );
    const out = filterRequestHeaders(req.rawHeaders, {
      extraIdentityHeaders,
      keepUpgrade: upgrade,
    });
    out.push('host', hostHeader);
    const priorFor = settings.trustProxy ? firstHeader(req.headers['x-forwarded-for']) : undefined;
    out.push(
      ...forwardedHeaders({
        clientIP: req.socket.remoteAddress ?? '',
        host,
        proto,
        requestId,
        priorFor,
      }),
    );
    if (outcome.sign) out.push(...identityHeaders(secret, method, path, outcome.user, rule, now()));
    return { requestId, html, forward: { origin, path, headers: out } satisfies ForwardPlan };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      if (revocation && req.url?.split('?')[0] === revocation.path)
        return await revocation.handle(req, res);
      const result = await plan(req, false);
      if (!result.forward) return writeDecision(res, result.decision!);
      await forwardHTTP(req, res, {
        pool: upstreams.pool(result.forward.origin),
        path: result.forward.path,
        headers: result.forward.headers,
        requestId: result.requestId,
        html: result.html,
        onError: (err) =>
          logger.error('upstream request failed', { requestId: result.requestId, err }),
      });
    } catch (err) {
      logger.error('gateway failure', { err });
      if (!res.headersSent) {
        writeDecision(
          res,
          denyDecision({
            status: 500,
            code: 'internal',
            message: 'Something went wrong.',
            requestId: requestIdFrom(nodeHeaderReader(req.headers)),
            html: false,
          }),
        );
      } else res.destroy();
    }
  };

  const handleUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    plan(req, true).then(
      (result) => {
        if (!result.forward) return rejectUpgrade(socket, result.decision!);
        forwardUpgrade(req, socket, head, result.forward, (err) =>
          logger.warn('websocket upstream failed', { requestId: result.requestId, err }),
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
    onLogout: (headers) => void sessions.evictRequest(headers),
    revoke,
    sessions,
    rules,
    close: () => upstreams.close(),
  };
}

function identityHeaders(
  secret: string,
  method: string,
  path: string,
  user: User | null,
  rule: CompiledRule | undefined,
  nowMs: number,
): string[] {
  const values = user
    ? encodeIdentity({ id: user.id, email: user.email ?? '', role: user.role })
    : null;
  const out = signIdentityHeaders(secret, { method, path }, values, nowMs).flat();
  if (user && rule) {
    for (const [name, template] of Object.entries(rule.headers)) {
      out.push(name, encodeHeaderValue(renderHeaderTemplate(template, user)));
    }
  }
  return out;
}

function upstreamFor(
  rule: CompiledRule | undefined,
  target: string,
  defaultURL: URL,
  req: IncomingMessage,
) {
  const base = rule?.upstream ? new URL(rule.upstream.url) : defaultURL;
  let path = target;
  const strip = rule?.upstream?.stripPath;
  if (strip && path.startsWith(strip)) path = path.slice(strip.length) || '/';
  if (!path.startsWith('/')) path = `/${path}`;
  const prefix = base.pathname.replace(/\/$/, '');
  const hostHeader =
    rule?.upstream?.preserveHost && req.headers.host ? req.headers.host : base.host;
  return { origin: base.origin, path: prefix + path, hostHeader };
}

function forwardedProto(req: IncomingMessage, trustProxy: boolean): 'http' | 'https' {
  if (trustProxy) {
    const given = firstHeader(req.headers['x-forwarded-proto'])?.split(',')[0]?.trim();
    if (given === 'https' || given === 'http') return given;
  }
  return (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
}

function forwardedHost(req: IncomingMessage, trustProxy: boolean): string {
  const given = trustProxy
    ? firstHeader(req.headers['x-forwarded-host'])?.split(',')[0]?.trim()
    : undefined;
  const host = given || req.headers.host || '';
  // The Host header is client input: only a plausible host[:port] may reach URLs and headers.
  return /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)
    ? host
    : 'localhost';
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

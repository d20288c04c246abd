// Per-request planning: normalise the target, match the rule, authorise, then build the exact
// header list for the upstream (client identity headers out, signed ones in) — or a deny decision.
//
// This is the gateway's hot path, measured by bench/gateway.bench.ts against a bare Node proxy hop.
// It stays synchronous whenever identity is already known (public rules, no credential, a cached
// session) and computes per request only what depends on the request: what depends on the rule is
// prepared once per rule, what depends on the session once per cached session object.
import type { IncomingMessage } from 'node:http';
import {
  appendSignedIdentityHeaders,
  encodeHeaderValue,
  encodeIdentity,
  HEADER_USER_SCOPES,
  type IdentityValues,
} from '../identity-headers/sign.ts';
import { badTargetDecision, wantsHTML, type Decision } from '../access/decision.ts';
import type { User } from '../session/user.ts';
import { requestIdFrom } from '../lib/request-id.ts';
import { nodeHeaderReader, type HeaderReader } from '../session/credential.ts';
import {
  authorize,
  type AuthorizeContext,
  type GatewayRequest,
  type Outcome,
} from './authorize.ts';
import {
  filterRequestHeaders,
  sessionCredentialStripper,
  type FilterOptions,
} from '../upstream/headers.ts';
import type { GatewaySettings } from './options.ts';
import type { CompiledRule, RuleSet } from '../access/rules.ts';
import { normaliseTarget, type RequestTarget } from '../access/target.ts';
import { renderHeaderTemplate } from '../access/templates.ts';
import type { ForwardPlan } from '../upstream/upgrade.ts';
import type { RateLimitCheck } from './rate-limit.ts';

export type { ForwardPlan };

export interface PlanResult {
  requestId: string;
  /** The matched rule's id, `none` when no rule matched (a metrics label). */
  rule: string;
  decision?: Decision;
  forward?: ForwardPlan;
}

export interface PlannerDeps {
  rules: RuleSet;
  ctx: AuthorizeContext;
  settings: GatewaySettings;
  extraIdentityHeaders: ReadonlySet<string>;
  /** The session cookie's name (stripped from what upstreams receive). */
  cookieName: string;
  /** The signing secret for an upstream origin. */
  secretFor(origin: string): string;
  now: () => number;
  /** Rules with `rate_limit`: the 429 decision when over it (absent: no rule has one). */
  rateLimit?: RateLimitCheck;
}

// The same plan serves HTTP and WebSocket handshakes: Connection/Upgrade are always dropped from the
// client headers, and the upgrade forwarder adds its own.
export type Planner = (req: IncomingMessage) => PlanResult | Promise<PlanResult>;

/** Where a rule's requests go; computed once per rule. */
interface UpstreamTarget {
  origin: string;
  /** The upstream URL's path, without a trailing slash, prefixed to every forwarded path. */
  prefix: string;
  host: string;
  stripPath: string | undefined;
  preserveHost: boolean;
  /** What identity headers for this upstream are signed with. */
  secret: string;
  /** Header filtering for this upstream: the session credential goes unless it opted in. */
  filter: FilterOptions;
}

export function createPlanner(deps: PlannerDeps): Planner {
  const { rules, ctx, settings } = deps;
  const publicURL = settings.publicURL ? new URL(settings.publicURL) : undefined;
  const publicOrigin = publicURL?.origin;
  // With a configured public URL the edge knows its own host and scheme: the client's Host header
  // (or a forwarded one) must not become the X-Forwarded-Host apps build links from.
  const publicHost = publicURL?.host;
  const publicProto = publicURL ? (publicURL.protocol === 'https:' ? 'https' : 'http') : undefined;
  // Per upstream, so one upstream's opt-in never forwards the credential to another.
  const stripped: FilterOptions = {
    extraIdentityHeaders: deps.extraIdentityHeaders,
    sessionCredential: sessionCredentialStripper(deps.cookieName),
  };
  const forwarded: FilterOptions = { ...stripped, sessionCredential: 'forward' };
  const filterFor = (origin: string) =>
    settings.forwardSessionCredential.has(origin) ? forwarded : stripped;
  const upstreams = new Map<CompiledRule | undefined, UpstreamTarget>();
  const upstreamOf = (rule: CompiledRule | undefined): UpstreamTarget => {
    let found = upstreams.get(rule);
    if (!found) {
      found = upstreamTarget(rule, settings.upstreamURL, deps.secretFor, filterFor);
      upstreams.set(rule, found);
    }
    return found;
  };
  // Encoded per request: a User is made per request (authorize.ts), and plain values (the usual
  // id, email and role) are returned as they are after one scan each. A per-User cache here cost a
  // WeakMap entry per request or, kept per session, ~100 B per session in use (issue 15's memory).
  const identityValues = (user: User): IdentityValues =>
    encodeIdentity({ id: user.id, email: user.email ?? '', role: user.role });

  // An access token's signed x-user-scopes header, encoded once per cached grant (its User) like
  // the identity values above: a cached token then costs what a cached session costs.
  const scopeHeaders = new WeakMap<User, readonly string[]>();
  const extraHeaders = (rule: CompiledRule | undefined, user: User) => {
    if (rule?.headerTemplates.length) return signedExtraHeaders(rule, user);
    if (!user.scopes) return undefined;
    let found = scopeHeaders.get(user);
    if (!found) {
      found = Object.freeze(scopesHeader(user.scopes));
      scopeHeaders.set(user, found);
    }
    return found;
  };

  const forwardPlan = (
    req: IncomingMessage,
    request: GatewayRequest,
    outcome: Extract<Outcome, { kind: 'forward' }>,
  ): ForwardPlan | null => {
    const upstream = upstreamOf(outcome.rule);
    let path = request.target;
    if (upstream.stripPath && path.startsWith(upstream.stripPath)) {
      path = path.slice(upstream.stripPath.length) || '/';
      if (!path.startsWith('/')) path = `/${path}`;
      // Stripping can leave a dot segment the matched path did not have (`/svc../x` → `/../x`):
      // forwarded under the prefix, it would climb out of it. Only a normal path goes on.
      if (normaliseTarget(path)?.target !== path) return null;
    }
    path = upstream.prefix + path;
    const out = filterRequestHeaders(req.rawHeaders, upstream.filter);
    const host = publicHost ?? forwardedHost(req, settings.trustProxy);
    out.push('host', upstream.preserveHost && req.headers.host ? req.headers.host : upstream.host);
    const clientIP = req.socket.remoteAddress ?? '';
    const priorFor = settings.trustProxy ? firstHeader(req.headers['x-forwarded-for']) : undefined;
    out.push(
      'x-forwarded-for',
      priorFor ? `${priorFor}, ${clientIP}` : clientIP,
      'x-forwarded-host',
      host,
      'x-forwarded-proto',
      publicProto ?? forwardedProto(req, settings.trustProxy),
      'x-request-id',
      request.requestId,
    );
    if (outcome.sign) {
      const { user, rule } = outcome;
      appendSignedIdentityHeaders(
        out,
        upstream.secret,
        { method: request.method, path },
        user ? identityValues(user) : null,
        deps.now(),
        user ? extraHeaders(rule, user) : undefined,
      );
    }
    return { origin: upstream.origin, path, headers: out };
  };

  const finish = (
    req: IncomingMessage,
    request: GatewayRequest,
    outcome: Outcome,
    rule: string,
  ): PlanResult | Promise<PlanResult> => {
    const { requestId } = request;
    if (outcome.kind === 'deny') return { requestId, rule, decision: outcome.decision };
    // Only a rate-limited rule pays for a promise; every other request stays synchronous.
    if (outcome.rule?.rateLimit && deps.rateLimit) {
      return deps
        .rateLimit(outcome.rule, outcome.user, req, request)
        .then((decision) =>
          decision
            ? { requestId, rule, decision }
            : forwardOrBadTarget(req, request, outcome, rule),
        );
    }
    return forwardOrBadTarget(req, request, outcome, rule);
  };

  const forwardOrBadTarget = (
    req: IncomingMessage,
    request: GatewayRequest,
    outcome: Extract<Outcome, { kind: 'forward' }>,
    rule: string,
  ): PlanResult => {
    const { requestId } = request;
    const forward = forwardPlan(req, request, outcome);
    return forward
      ? { requestId, rule, forward }
      : { requestId, rule, decision: badTarget(request) };
  };

  return (req) => {
    const headers = nodeHeaderReader(req.headers);
    const requestId = requestIdFrom(headers);
    const target = normaliseTarget(req.url);
    const method = (req.method ?? 'GET').toUpperCase();
    const rule = target ? rules.match(method, target.path) : undefined;
    const ruleId = rule?.id ?? 'none';
    // A path that another server would route to a different rule is refused, not guessed at.
    if (!target || rules.ambiguous(method, target.path, rule)) {
      return { requestId, rule: ruleId, decision: badTarget({ requestId, headers }) };
    }
    const request = new PlannedRequest(
      req,
      method,
      target,
      headers,
      requestId,
      publicOrigin,
      settings.trustProxy,
    );
    const outcome = authorize(rule, request, ctx);
    if (outcome instanceof Promise) return outcome.then((o) => finish(req, request, o, ruleId));
    return finish(req, request, outcome, ruleId);
  };
}

/** A class, not an object literal with a closure: nothing is allocated for originalURL unless asked. */
class PlannedRequest implements GatewayRequest {
  readonly path: string;
  readonly target: string;
  constructor(
    private readonly req: IncomingMessage,
    readonly method: string,
    target: RequestTarget,
    readonly headers: HeaderReader,
    readonly requestId: string,
    private readonly publicOrigin: string | undefined,
    private readonly trustProxy: boolean,
  ) {
    this.path = target.path;
    this.target = target.target;
  }

  originalURL(): string {
    // Concatenate, never resolve: a `//x` target must stay a path.
    return this.ownOrigin() + this.target;
  }

  ownOrigin(): string {
    return (
      this.publicOrigin ??
      `${forwardedProto(this.req, this.trustProxy)}://${forwardedHost(this.req, this.trustProxy)}`
    );
  }
}

function badTarget(request: { requestId: string; headers: HeaderReader }): Decision {
  return badTargetDecision({ requestId: request.requestId, html: wantsHTML(request.headers) });
}

/**
 * Extra headers to send and sign, [lower-case name, header-encoded value, …]: an access token's
 * granted scopes, then the rule's template headers for this user.
 */
function signedExtraHeaders(rule: CompiledRule, user: User): string[] {
  const out: string[] = user.scopes ? scopesHeader(user.scopes) : [];
  for (const [name, template] of rule.headerTemplates) {
    out.push(name, encodeHeaderValue(renderHeaderTemplate(template, user)));
  }
  return out;
}

function scopesHeader(scopes: readonly string[]): string[] {
  return [HEADER_USER_SCOPES, encodeHeaderValue(scopes.join(' '))];
}

function upstreamTarget(
  rule: CompiledRule | undefined,
  defaultURL: URL,
  secretFor: (origin: string) => string,
  filterFor: (origin: string) => FilterOptions,
): UpstreamTarget {
  const base = rule?.upstream ? new URL(rule.upstream.url) : defaultURL;
  return {
    origin: base.origin,
    secret: secretFor(base.origin),
    filter: filterFor(base.origin),
    prefix: base.pathname.replace(/\/$/, ''),
    host: base.host,
    stripPath: rule?.upstream?.stripPath || undefined,
    preserveHost: rule?.upstream?.preserveHost === true,
  };
}

function forwardedProto(req: IncomingMessage, trustProxy: boolean): 'http' | 'https' {
  if (trustProxy) {
    const given = firstHeader(req.headers['x-forwarded-proto'])?.split(',')[0]?.trim();
    if (given === 'https' || given === 'http') return given;
  }
  return (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http';
}

// The Host header is client input: only a plausible host[:port] may reach URLs and headers.
const PLAUSIBLE_HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;
// Clients of one edge send the same few Host values: remember the last one checked.
let lastHost: string | undefined;

function forwardedHost(req: IncomingMessage, trustProxy: boolean): string {
  const given = trustProxy
    ? firstHeader(req.headers['x-forwarded-host'])?.split(',')[0]?.trim()
    : undefined;
  const host = given || req.headers.host || '';
  if (host === lastHost) return host;
  if (!PLAUSIBLE_HOST.test(host)) return 'localhost';
  lastHost = host;
  return host;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

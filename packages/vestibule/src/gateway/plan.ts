// Per-request planning: normalise the target, match the rule, authorise, then build the exact
// header list for the upstream (client identity headers out, signed ones in) — or a deny decision.
import type { IncomingMessage } from 'node:http';
import { encodeHeaderValue, encodeIdentity, signIdentityHeaders } from '../app/identity-headers.ts';
import { denyDecision, wantsHTML, type Decision } from '../app/responses.ts';
import type { User } from '../app/user.ts';
import { requestIdFrom } from '../lib/request-id.ts';
import { nodeHeaderReader } from '../session/credential.ts';
import { authorize, type AuthorizeContext } from './authorize.ts';
import { filterRequestHeaders, forwardedHeaders } from './headers.ts';
import type { GatewaySettings } from './options.ts';
import type { CompiledRule, RuleSet } from './rules.ts';
import { normaliseTarget } from './target.ts';
import { renderHeaderTemplate } from './templates.ts';

export interface ForwardPlan {
  origin: string;
  path: string;
  headers: string[];
}

export interface PlanResult {
  requestId: string;
  html: boolean;
  decision?: Decision;
  forward?: ForwardPlan;
}

export interface PlannerDeps {
  rules: RuleSet;
  ctx: AuthorizeContext;
  settings: GatewaySettings;
  extraIdentityHeaders: ReadonlySet<string>;
  secret: string;
  now: () => number;
}

export function createPlanner(
  deps: PlannerDeps,
): (req: IncomingMessage, upgrade: boolean) => Promise<PlanResult> {
  const { rules, ctx, settings } = deps;
  const publicOrigin = settings.publicURL ? new URL(settings.publicURL).origin : undefined;
  return async (req, upgrade) => {
    const headers = nodeHeaderReader(req.headers);
    const requestId = requestIdFrom(headers);
    const html = wantsHTML(headers);
    const target = normaliseTarget(req.url);
    if (!target) {
      const decision = denyDecision({
        status: 400,
        code: 'bad_request_target',
        message: 'Bad request.',
        requestId,
        html,
      });
      return { requestId, html, decision };
    }
    const method = (req.method ?? 'GET').toUpperCase();
    const rule = rules.match(method, target.path);
    const proto = forwardedProto(req, settings.trustProxy);
    const host = forwardedHost(req, settings.trustProxy);
    // Concatenate, never resolve: a `//x` target must stay a path.
    const originalURL = (publicOrigin ?? `${proto}://${host}`) + target.target;
    const outcome = await authorize(
      rule,
      { method, path: target.path, target: target.target, headers, requestId, originalURL },
      ctx,
    );
    if (outcome.kind === 'deny') return { requestId, html, decision: outcome.decision };
    const forward = forwardPlan(
      req,
      { upgrade, rule, target: target.target, method, proto, host, requestId },
      outcome,
      deps,
    );
    return { requestId, html, forward };
  };
}

interface PlanInput {
  upgrade: boolean;
  rule: CompiledRule | undefined;
  target: string;
  method: string;
  proto: 'http' | 'https';
  host: string;
  requestId: string;
}

/** The exact header list for the upstream: filtered client headers, then everything the edge owns. */
function forwardPlan(
  req: IncomingMessage,
  input: PlanInput,
  outcome: { user: User | null; sign: boolean },
  deps: PlannerDeps,
): ForwardPlan {
  const { origin, path, hostHeader } = upstreamFor(
    input.rule,
    input.target,
    deps.settings.upstreamURL,
    req,
  );
  const out = filterRequestHeaders(req.rawHeaders, {
    extraIdentityHeaders: deps.extraIdentityHeaders,
    keepUpgrade: input.upgrade,
  });
  out.push('host', hostHeader);
  const priorFor = deps.settings.trustProxy
    ? firstHeader(req.headers['x-forwarded-for'])
    : undefined;
  const clientIP = req.socket.remoteAddress ?? '';
  out.push(
    ...forwardedHeaders({
      clientIP,
      host: input.host,
      proto: input.proto,
      requestId: input.requestId,
      priorFor,
    }),
  );
  if (outcome.sign) {
    out.push(
      ...identityHeaders(deps.secret, input.method, path, outcome.user, input.rule, deps.now()),
    );
  }
  return { origin, path, headers: out };
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

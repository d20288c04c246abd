// The access decision for one request: which rule, which identity, forward or deny. Pure of HTTP
// plumbing: it returns data (a Decision) that the Node handler writes. Fail closed: any failure to
// establish identity on a required/role/permission route is a 503, never a pass.
import { loginRedirectOrRefusal } from '../access/login-redirect.ts';
import {
  denyDecision,
  forbiddenDecision,
  identityUnavailableDecision,
  wantsHTML,
  type Decision,
} from '../access/decision.ts';
import { crossSiteDecision, isCrossSiteRequest } from '../access/cross-site.ts';
import type { ErrorCode } from '../lib/errors.ts';
import { userFromSession, type ProfileSync, type User } from '../session/user.ts';
import type { Logger } from '../lib/logger.ts';
import { extractCredential, type HeaderReader } from '../session/credential.ts';
import type { SessionResolver } from '../session/resolver.ts';
import type { CompiledRule } from '../access/rules.ts';
import type { AccessTokenGrant } from '../access-token/introspection.ts';
import type { AccessTokenVerifier } from '../access-token/verifier.ts';
import {
  DEFAULT_SCOPE_STRATEGY,
  scopeMatcher,
  type ScopeStrategy,
} from '../access-token/scope-strategy.ts';

export interface PermissionCheckInput {
  user: User;
  namespace: string;
  relation: string;
  object: string;
  method: string;
  path: string;
}
/** A Keto-style check (namespace, object, relation, subject). Wire a real Keto client here. */
export type PermissionCheck = (input: PermissionCheckInput) => Promise<boolean>;

export interface AuthorizeContext {
  sessions: SessionResolver;
  profiles?: ProfileSync;
  checkPermission?: PermissionCheck;
  defaultRole: string;
  defaultDecision: 'deny' | 'allow';
  loginURL: string;
  logger: Logger;
  /** Hydra access tokens (`Bearer ory_at_…`) on rules that accept them; absent: none accepted. */
  accessTokens?: AccessTokenVerifier;
  /** How a rule's required scopes match a grant: Hydra's `strategies.scope`. Default wildcard. */
  scopeStrategy?: ScopeStrategy;
}

export interface GatewayRequest {
  method: string;
  path: string;
  target: string;
  headers: HeaderReader;
  requestId: string;
  /** Absolute URL the browser asked for (return_to); computed only when a redirect needs it. */
  originalURL(): string;
  /** The edge's public origin, else the request's own (cross-site checks); computed when needed. */
  ownOrigin(): string;
}

export type Outcome =
  | { kind: 'forward'; rule: CompiledRule | undefined; user: User | null; sign: boolean }
  | { kind: 'deny'; decision: Decision };

/**
 * Synchronous whenever the answer is already known (public/deny rules, no credential, a cached
 * session without profile sync): the hot path then costs no promise per request. A Promise only
 * when Kratos, the profile store or the permission check must be asked.
 */
export function authorize(
  rule: CompiledRule | undefined,
  request: GatewayRequest,
  ctx: AuthorizeContext,
): Outcome | Promise<Outcome> {
  if (!rule) {
    if (ctx.defaultDecision === 'allow') return { kind: 'forward', rule, user: null, sign: false };
    return deny(request, 404, 'NO_MATCHING_RULE', 'Not found.');
  }
  if (rule.mode === 'public') return { kind: 'forward', rule, user: null, sign: false };
  if (rule.mode === 'deny') {
    return deny(request, 403, 'FORBIDDEN', 'Access to this resource is not allowed.');
  }
  // Only a request with `Authorization` pays for this check, and only when Hydra is configured.
  const accessToken = ctx.accessTokens
    ? ctx.accessTokens.tokenOf(request.headers.get('authorization'))
    : null;
  if (accessToken && rule.accessToken) {
    return authorizeAccessToken(rule, rule.accessToken.scopes, accessToken, request, ctx);
  }
  // A Hydra access token is never a Kratos session token: Kratos is not shown it.
  const headers = restrictCredentials(request.headers, rule.credentials, accessToken !== null);
  if (rule.csrf && isCrossSiteRequest(request) && sendsSessionCookie(headers, ctx)) {
    return refuse(request, crossSiteDecision);
  }
  const known = ctx.profiles ? undefined : ctx.sessions.peek(headers);
  if (known) {
    // A User per request, not one kept per cached session: a WeakMap entry and a User were ~100 B
    // per session in use (10 MB at 100k, issue 15's memory target); making one is a few field reads.
    const user = known.session ? userFromSession(known.session, ctx.defaultRole) : null;
    return decide(rule, request, ctx, user, known.error);
  }
  return resolveUser(headers, ctx).then(
    ({ user, error }) => decide(rule, request, ctx, user, error),
    (err: unknown) => unavailable(rule, request, ctx, err),
  );
}

/** The rule's verdict once identity is known (`error`: Kratos refused this session for a reason). */
function decide(
  rule: CompiledRule,
  request: GatewayRequest,
  ctx: AuthorizeContext,
  user: User | null,
  error?: string,
): Outcome | Promise<Outcome> {
  if (rule.mode === 'optional') return { kind: 'forward', rule, user, sign: true };
  if (!user) return toLogin(request, ctx.loginURL, error === 'session_aal2_required');
  if (rule.mode === 'role' && !rule.roles.has(user.role)) {
    return refuse(request, forbiddenDecision);
  }
  if (rule.mode === 'permission') {
    return checkPermission(rule, user, request, ctx).then((allowed): Outcome => {
      if (allowed === 'error') {
        return deny(
          request,
          503,
          'PERMISSION_UNAVAILABLE',
          'Access cannot be checked right now. Please try again shortly.',
        );
      }
      if (!allowed) return refuse(request, forbiddenDecision);
      return { kind: 'forward', rule, user, sign: true };
    });
  }
  return { kind: 'forward', rule, user, sign: true };
}

/** Kratos (or the profile store) could not answer: optional goes anonymous, the rest fail closed. */
function unavailable(
  rule: CompiledRule,
  request: GatewayRequest,
  ctx: AuthorizeContext,
  err: unknown,
): Outcome {
  if (rule.mode === 'optional') {
    ctx.logger.warn('identity unavailable on optional route; forwarding anonymously', {
      requestId: request.requestId,
      rule: rule.id,
      err,
    });
    return { kind: 'forward', rule, user: null, sign: true };
  }
  ctx.logger.error('identity unavailable; refusing protected route', {
    requestId: request.requestId,
    rule: rule.id,
    err,
  });
  return refuse(request, identityUnavailableDecision);
}

type DecisionFor = (input: { requestId: string; html: boolean }) => Decision;

function refuse(request: GatewayRequest, decisionFor: DecisionFor): Outcome {
  const decision = decisionFor({ requestId: request.requestId, html: wantsHTML(request.headers) });
  return { kind: 'deny', decision };
}

function deny(
  request: GatewayRequest,
  status: number,
  code: ErrorCode,
  message: string,
  headers?: Record<string, string>,
): Outcome {
  return refuse(request, (input) =>
    denyDecision({ status, code, message, ...input, ...(headers ? { headers } : {}) }),
  );
}

async function resolveUser(
  headers: HeaderReader,
  ctx: AuthorizeContext,
): Promise<{ user: User | null; error?: string }> {
  const { session, error } = await ctx.sessions.resolve(headers);
  if (!session) return { user: null, error };
  const user = userFromSession(session, ctx.defaultRole);
  if (ctx.profiles) user.role = (await ctx.profiles.ensureUser(user)).role;
  return { user };
}

/**
 * The session cookie is what authenticates this request: an ambient credential the browser attaches
 * to other sites' requests too. A session token in a header is not (a page must add it itself), and
 * Kratos (hence extractCredential) prefers X-Session-Token over the cookie.
 */
function sendsSessionCookie(headers: HeaderReader, ctx: AuthorizeContext): boolean {
  return extractCredential(headers, { cookieName: ctx.sessions.cookieName })?.kind === 'cookie';
}

/** Hide the credential kinds a rule does not accept (Oathkeeper: only the listed authenticators run). */
function restrictCredentials(
  headers: HeaderReader,
  allowed: ReadonlySet<'cookie' | 'token'>,
  hideAuthorization: boolean,
): HeaderReader {
  if (allowed.size === 2 && !hideAuthorization) return headers;
  const hidden: string[] = [];
  if (!allowed.has('cookie')) hidden.push('cookie');
  if (!allowed.has('token')) hidden.push('x-session-token', 'authorization');
  else if (hideAuthorization) hidden.push('authorization');
  return { get: (name) => (hidden.includes(name) ? null : headers.get(name)) };
}

/**
 * A Hydra access token on a rule that accepts them: Hydra's introspection (cached) decides. An
 * inactive token is 401 `invalid_token` even on an optional route (RFC 6750 §3.1: the client sent a
 * credential that is no good, it must learn so); a missing scope is 403 `insufficient_scope`;
 * Hydra unable to answer fails closed like Kratos (503).
 */
function authorizeAccessToken(
  rule: CompiledRule,
  scopes: readonly string[],
  token: string,
  request: GatewayRequest,
  ctx: AuthorizeContext,
): Outcome | Promise<Outcome> {
  const introspection = ctx.accessTokens!;
  const known = introspection.peek(token);
  if (known !== undefined) return decideAccessToken(rule, scopes, request, ctx, known);
  return introspection.lookup(token).then(
    (grant) => decideAccessToken(rule, scopes, request, ctx, grant),
    (err: unknown) => unavailable(rule, request, ctx, err),
  );
}

function decideAccessToken(
  rule: CompiledRule,
  scopes: readonly string[],
  request: GatewayRequest,
  ctx: AuthorizeContext,
  grant: AccessTokenGrant | null,
): Outcome | Promise<Outcome> {
  if (!grant) {
    return deny(request, 401, 'INVALID_TOKEN', 'The access token is not valid.', {
      'www-authenticate': 'Bearer error="invalid_token"',
    });
  }
  const granted = scopeMatcher(
    rule.accessToken?.scopeStrategy ?? ctx.scopeStrategy ?? DEFAULT_SCOPE_STRATEGY,
  );
  for (const scope of scopes) {
    if (!granted(grant.scopes, scope)) {
      return deny(
        request,
        403,
        'INSUFFICIENT_SCOPE',
        'The access token was not granted the scope this needs.',
        { 'www-authenticate': `Bearer error="insufficient_scope", scope="${scopes.join(' ')}"` },
      );
    }
  }
  return decide(rule, request, ctx, userFromGrant(grant, ctx.defaultRole));
}

// One User per cached grant, kept as long as the grant is (the introspection or JWT cache holds
// the grant; a revocation evicts it, and this entry with it): the planner then header-encodes the
// scopes once per grant. Frozen, so no rule or check can change what the next request with this
// token sees.
const grantUsers = new WeakMap<AccessTokenGrant, User>();

/** `sub` is the identity; no email or traits (the token does not carry them), the default role. */
function userFromGrant(grant: AccessTokenGrant, defaultRole: string): User {
  let user = grantUsers.get(grant);
  if (!user || user.role !== defaultRole) {
    user = Object.freeze({
      id: grant.subject,
      email: null,
      role: defaultRole,
      traits: Object.freeze({}),
      session: null,
      scopes: grant.scopes,
    });
    grantUsers.set(grant, user);
  }
  return user;
}

/**
 * No usable session: browsers go to the login page, loop-guarded (`aal=aal2` when Kratos knows the
 * session but wants the second factor); API clients get 401 `session_required` or 403
 * `session_aal2_required` JSON.
 */
function toLogin(request: GatewayRequest, loginURL: string, secondFactor: boolean): Outcome {
  return {
    kind: 'deny',
    decision: loginRedirectOrRefusal({
      headers: request.headers,
      requestId: request.requestId,
      html: wantsHTML(request.headers),
      path: request.path,
      loginURL,
      secondFactor,
      returnTo: () => request.originalURL(),
    }),
  };
}

async function checkPermission(
  rule: CompiledRule,
  user: User,
  request: GatewayRequest,
  ctx: AuthorizeContext,
): Promise<boolean | 'error'> {
  const template = rule.permission!;
  const object = (template.object ?? '{path}')
    .replaceAll('{path}', request.path)
    .replaceAll('{method}', request.method);
  try {
    return (
      (await ctx.checkPermission!({
        user,
        namespace: template.namespace,
        relation: template.relation,
        object,
        method: request.method,
        path: request.path,
      })) === true
    );
  } catch (err) {
    ctx.logger.error('permission check failed; refusing', { requestId: request.requestId, err });
    return 'error';
  }
}

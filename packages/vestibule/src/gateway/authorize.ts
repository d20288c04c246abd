// The access decision for one request: which rule, which identity, forward or deny. Pure of HTTP
// plumbing: it returns data (a Decision) that the Node handler writes. Fail closed: any failure to
// establish identity on a required/role/permission route is a 503, never a pass.
import { checkLoginLoop } from '../app/login-loop.ts';
import { denyDecision, loginRedirectDecision, wantsHTML, type Decision } from '../app/responses.ts';
import { userFromSession, type User } from '../app/user.ts';
import type { ProfileSync } from '../app/vestibule.ts';
import type { Logger } from '../lib/logger.ts';
import type { HeaderReader } from '../session/credential.ts';
import type { SessionResolver } from '../session/resolver.ts';
import type { CompiledRule } from './rules.ts';

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
}

export interface GatewayRequest {
  method: string;
  path: string;
  target: string;
  headers: HeaderReader;
  requestId: string;
  /** Absolute URL the browser asked for (return_to). */
  originalURL: string;
}

export type Outcome =
  | { kind: 'forward'; rule: CompiledRule | undefined; user: User | null; sign: boolean }
  | { kind: 'deny'; decision: Decision };

export async function authorize(
  rule: CompiledRule | undefined,
  request: GatewayRequest,
  ctx: AuthorizeContext,
): Promise<Outcome> {
  const html = wantsHTML(request.headers);
  const deny = (status: number, code: string, message: string): Outcome => ({
    kind: 'deny',
    decision: denyDecision({ status, code, message, requestId: request.requestId, html }),
  });
  if (!rule) {
    if (ctx.defaultDecision === 'allow') return { kind: 'forward', rule, user: null, sign: false };
    return deny(404, 'no_matching_rule', 'Not found.');
  }
  if (rule.mode === 'public') return { kind: 'forward', rule, user: null, sign: false };
  if (rule.mode === 'deny')
    return deny(403, 'forbidden', 'Access to this resource is not allowed.');

  let user: User | null;
  try {
    user = await resolveUser(rule, request.headers, ctx);
  } catch (err) {
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
    return deny(
      503,
      'identity_unavailable',
      'Sign-in is temporarily unavailable. Please try again shortly.',
    );
  }
  if (rule.mode === 'optional') return { kind: 'forward', rule, user, sign: true };
  if (!user) return unauthenticated(request, html, ctx.loginURL);
  if (rule.mode === 'role' && !rule.roles.has(user.role)) {
    return deny(403, 'forbidden', 'You do not have access to this page.');
  }
  if (rule.mode === 'permission') {
    const allowed = await checkPermission(rule, user, request, ctx);
    if (allowed === 'error') {
      return deny(
        503,
        'permission_unavailable',
        'Access cannot be checked right now. Please try again shortly.',
      );
    }
    if (!allowed) return deny(403, 'forbidden', 'You do not have access to this page.');
  }
  return { kind: 'forward', rule, user, sign: true };
}

async function resolveUser(
  rule: CompiledRule,
  headers: HeaderReader,
  ctx: AuthorizeContext,
): Promise<User | null> {
  const { session } = await ctx.sessions.resolve(restrictCredentials(headers, rule.credentials));
  if (!session) return null;
  const user = userFromSession(session, ctx.defaultRole);
  if (ctx.profiles) user.role = (await ctx.profiles.ensureUser(user)).role;
  return user;
}

/** Hide the credential kinds a rule does not accept (Oathkeeper: only the listed authenticators run). */
function restrictCredentials(
  headers: HeaderReader,
  allowed: ReadonlySet<'cookie' | 'token'>,
): HeaderReader {
  if (allowed.size === 2) return headers;
  const hidden = allowed.has('cookie') ? ['x-session-token', 'authorization'] : ['cookie'];
  return { get: (name) => (hidden.includes(name) ? null : headers.get(name)) };
}

function unauthenticated(request: GatewayRequest, html: boolean, loginURL: string): Outcome {
  // Never redirect the login page to itself.
  if (!html || request.path === new URL(loginURL, 'http://edge.invalid').pathname) {
    return {
      kind: 'deny',
      decision: denyDecision({
        status: 401,
        code: 'session_required',
        message: 'Please sign in to continue.',
        requestId: request.requestId,
        html,
      }),
    };
  }
  const loop = checkLoginLoop(request.headers, {
    secure: request.originalURL.startsWith('https:'),
  });
  if (loop.exceeded) {
    return {
      kind: 'deny',
      decision: denyDecision({
        status: 401,
        code: 'session_not_visible',
        message: 'We could not confirm your sign-in. Check that cookies are enabled and try again.',
        requestId: request.requestId,
        html,
      }),
    };
  }
  return {
    kind: 'deny',
    decision: loginRedirectDecision(loginURL, request.originalURL, request.requestId, {
      'set-cookie': loop.setCookie,
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

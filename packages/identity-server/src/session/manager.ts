// Finding, issuing and ending sessions (Kratos session/manager_http.go). A session is accepted from
// the `X-Session-Token` header, then the session cookie, then `Authorization: Bearer` — the order
// Kratos's extractToken uses. "No session" is a value (undefined), not an exception.
import { randomUUID } from 'node:crypto';
import type { ServerContext } from '../driver/context.ts';
import type { Identity, Persister, Session } from '../persistence/types.ts';
import { expireCookie, parseCookieHeader, serializeCookie } from './cookies.ts';
import { hashToken, logoutTokenFor, newSessionToken } from './tokens.ts';

export interface ResolvedSession {
  session: Session;
  identity: Identity;
  token: string;
}

export function sessionTokenFrom(ctx: ServerContext, request: Request): string | undefined {
  const header = request.headers.get('x-session-token')?.trim();
  if (header) return header;
  const cookie = parseCookieHeader(request.headers.get('cookie')).get(
    ctx.config.session.cookie.name,
  );
  if (cookie) return cookie;
  const auth = request.headers.get('authorization') ?? '';
  const bearer = /^bearer\s+(\S+)\s*$/i.exec(auth);
  return bearer?.[1];
}

/** A session is usable while active, unexpired, and its identity is active (Kratos: IsActive). */
export function isUsable(ctx: ServerContext, session: Session, identity: Identity): boolean {
  return (
    session.active &&
    Date.parse(session.expires_at) > ctx.clock.now().getTime() &&
    identity.state === 'active'
  );
}

export async function resolveSession(
  ctx: ServerContext,
  request: Request,
): Promise<ResolvedSession | undefined> {
  const token = sessionTokenFrom(ctx, request);
  if (!token || token.length > 512) return undefined;
  return resolveToken(ctx, token);
}

export async function resolveToken(
  ctx: ServerContext,
  token: string,
): Promise<ResolvedSession | undefined> {
  // One lookup for both records (persistence/sessions.ts): this runs on every authenticated request.
  const found = await ctx.persister.getSessionWithIdentityByTokenHash(hashToken(token));
  if (!found || !isUsable(ctx, found.session, found.identity)) return undefined;
  return { ...found, token };
}

export interface IssueOptions {
  identity: Identity;
  method: string;
  request: Request;
  /** The peer address of the request (RouteContext.clientAddress), recorded on the device. */
  clientAddress?: string | undefined;
  /** Persist through this (transactional) persister instead of ctx.persister. */
  persister?: Persister;
}

/** Creates and stores an aal1 session for `identity`; returns it with its clear-text token. */
export async function issueSession(
  ctx: ServerContext,
  options: IssueOptions,
): Promise<{ session: Session; token: string }> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  const token = newSessionToken();
  const ip = options.clientAddress;
  const userAgent = options.request.headers.get('user-agent');
  const session: Session = {
    id: randomUUID(),
    identity_id: options.identity.id,
    active: true,
    token_hash: hashToken(token),
    logout_token_hash: hashToken(logoutTokenFor(token)),
    authenticator_assurance_level: 'aal1',
    authentication_methods: [{ method: options.method, aal: 'aal1', completed_at: at }],
    devices: [
      {
        id: randomUUID(),
        ...(ip ? { ip_address: ip } : {}),
        ...(userAgent ? { user_agent: userAgent.slice(0, 512) } : {}),
        location: '',
      },
    ],
    issued_at: at,
    authenticated_at: at,
    expires_at: new Date(now.getTime() + ctx.config.session.lifespan_ms).toISOString(),
    created_at: at,
    updated_at: at,
  };
  await (options.persister ?? ctx.persister).createSession(session);
  return { session, token };
}

function cookieAttributes(ctx: ServerContext) {
  const cookie = ctx.config.session.cookie;
  return {
    path: cookie.path || '/',
    ...(cookie.domain ? { domain: cookie.domain } : {}),
    sameSite: cookie.same_site,
    secure: ctx.config.serve.public.base_url.startsWith('https:'),
    httpOnly: true,
  };
}

/** The session cookie; persistent (Expires/Max-Age = session expiry) unless cookie.persistent is false. */
export function sessionCookie(ctx: ServerContext, token: string, session: Session): string {
  const persistent = ctx.config.session.cookie.persistent;
  const expires = new Date(session.expires_at);
  const maxAge = (expires.getTime() - ctx.clock.now().getTime()) / 1000;
  return serializeCookie(ctx.config.session.cookie.name, token, {
    ...cookieAttributes(ctx),
    ...(persistent ? { expires, maxAge } : {}),
  });
}

export function clearSessionCookie(ctx: ServerContext): string {
  return expireCookie(ctx.config.session.cookie.name, cookieAttributes(ctx));
}

// Logout (Kratos selfservice/flow/logout/handler.go): a browser asks for a logout URL carrying the
// session's logout token, then follows it; native apps revoke their token directly.
import type { ServerContext } from '../../driver/context.ts';
import { KratosError, badRequest, forbidden } from '../../http/errors.ts';
import { parseBody } from '../../http/body.ts';
import { json, noContent, redirect } from '../../http/respond.ts';
import type { RouteContext, Router } from '../../http/router.ts';
import { noActiveSession } from '../../session/errors.ts';
import { clearSessionCookie, resolveSession } from '../../session/manager.ts';
import { hashToken, logoutTokenFor } from '../../session/tokens.ts';
import type { CSRFProtection } from '../flow/csrf.ts';
import { forwardError } from '../errors/manager.ts';
import { isJSONRequest } from '../../http/negotiation.ts';
import { checkReturnTo } from '../flow/return-to.ts';
import { publicURL } from '../../http/url.ts';

async function createBrowserLogout(
  ctx: ServerContext,
  { request, url, requestId }: RouteContext,
): Promise<Response> {
  const returnTo = checkReturnTo(ctx.config, url.searchParams.get('return_to'));
  const resolved = await resolveSession(ctx, request);
  // Kratos hands this to the self-service error manager: 401 session_inactive for JSON, the
  // error UI for a browser (shared/ory/kratos/transcripts/logout.json#9).
  if (!resolved) return forwardError(ctx, request, requestId, noActiveSession());
  const logoutToken = logoutTokenFor(resolved.token);
  const target = new URL(publicURL(ctx.config.serve.public.base_url, '/self-service/logout'));
  target.searchParams.set('token', logoutToken);
  if (returnTo) target.searchParams.set('return_to', returnTo);
  return json({ logout_url: target.toString(), logout_token: logoutToken });
}

function afterLogoutURL(ctx: ServerContext, url: URL): string {
  const returnTo = checkReturnTo(ctx.config, url.searchParams.get('return_to'));
  return (
    returnTo ??
    ctx.config.selfservice.flows.logout.after_default_browser_return_url ??
    ctx.config.selfservice.default_browser_return_url
  );
}

function completeLogout(
  ctx: ServerContext,
  csrf: CSRFProtection,
  request: Request,
  url: URL,
): Response {
  const headers = new Headers();
  headers.append('set-cookie', clearSessionCookie(ctx));
  // A fresh CSRF secret after logout, as Kratos regenerates it (nosurf RegenerateToken).
  const fresh = csrf.issue(new Request('http://csrf.invalid/'));
  if (fresh.setCookie) headers.append('set-cookie', fresh.setCookie);
  if (isJSONRequest(request)) return noContent(headers);
  return redirect(afterLogoutURL(ctx, url), 303, headers);
}

async function updateLogout(
  ctx: ServerContext,
  csrf: CSRFProtection,
  { request, url, requestId }: RouteContext,
): Promise<Response> {
  try {
    const token = url.searchParams.get('token');
    if (!token) throw badRequest('Please include a token in the URL query.');
    afterLogoutURL(ctx, url); // refuse a forbidden return_to before acting
    const resolved = await resolveSession(ctx, request);
    // Without a session (a logout URL followed twice, a cookie already gone) Kratos's
    // FetchFromRequest fails and the error manager answers: the error UI for a browser, nothing
    // cleared (shared/ory/kratos/transcripts/logout.json#8).
    if (!resolved) throw noActiveSession();
    if (resolved.session.logout_token_hash !== hashToken(token)) {
      throw forbidden(
        'Unable to log out because the logout token in the URL query does not match the session cookie.',
      );
    }
    await ctx.persister.revokeSession(resolved.session.id);
    return completeLogout(ctx, csrf, request, url);
  } catch (err) {
    return forwardError(ctx, request, requestId, err);
  }
}

async function performNativeLogout(
  ctx: ServerContext,
  { request }: RouteContext,
): Promise<Response> {
  const { data } = await parseBody(request, ctx.config.body_limit_bytes);
  const token = data.session_token;
  if (typeof token !== 'string' || token === '') {
    throw badRequest('Please provide the session token in the request body.');
  }
  // Kratos RevokeSessionByToken: a token it knows is revoked (204) even when its session already
  // ended — logging out twice is not an error; an unknown token is 403
  // (shared/ory/kratos/transcripts/logout.json).
  const session = await ctx.persister.getSessionByTokenHash(hashToken(token));
  if (!session) {
    throw new KratosError(403, 'The requested action was forbidden', {
      reason:
        'The provided Ory Session Token could not be found, is invalid, or otherwise malformed.',
    });
  }
  if (session.active) await ctx.persister.revokeSession(session.id);
  return noContent();
}

export function registerLogoutRoutes(
  router: Router,
  ctx: ServerContext,
  csrf: CSRFProtection,
): void {
  router
    .on('GET', '/self-service/logout/browser', (rc) => createBrowserLogout(ctx, rc))
    .on('GET', '/self-service/logout', (rc) => updateLogout(ctx, csrf, rc))
    .on('DELETE', '/self-service/logout/api', (rc) => performNativeLogout(ctx, rc));
}

// Public session endpoints (Kratos session/handler.go): whoami, and the caller's other sessions.
import type { ServerContext } from '../driver/context.ts';
import { KratosError, badRequest, notFound } from '../http/errors.ts';
import { json, noContent } from '../http/respond.ts';
import type { RouteContext, Router } from '../http/router.ts';
import { invalidUUID, noActiveSession } from './errors.ts';
import { resolveSession, type ResolvedSession } from './manager.ts';
import { linkHeader, readPageRequest, slicePage } from './pagination.ts';
import { sessionToWire } from './wire.ts';
import { isUUID } from '../http/url.ts';

async function requireSession(ctx: ServerContext, request: Request): Promise<ResolvedSession> {
  const resolved = await resolveSession(ctx, request);
  if (!resolved) throw noActiveSession();
  return resolved;
}

/** Kratos session/handler.go whoami: a 401 with no error id (unlike the flows' session_inactive). */
function noValidCredentials(): KratosError {
  return new KratosError(401, 'The request could not be authorized', {
    reason: 'No valid session credentials found in the request.',
  });
}

async function whoami(ctx: ServerContext, { request, url }: RouteContext): Promise<Response> {
  const resolved = await resolveSession(ctx, request);
  if (!resolved) throw noValidCredentials();
  const { session, identity } = resolved;
  // No tokenizer templates are configured here (session.whoami.tokenizer is not interpreted):
  // every template name is unknown, as Kratos answers for one missing from its config.
  const template = url.searchParams.get('tokenize_as');
  if (template !== null) {
    throw badRequest(`Unable to find tokenizer template ${JSON.stringify(template)}.`);
  }
  // Kratos sets this header so proxies (Oathkeeper, the edge) can forward the identity id.
  return json(sessionToWire(ctx, session, identity), 200, {
    'x-kratos-authenticated-identity-id': identity.id,
  });
}

async function listMine(ctx: ServerContext, { request, url }: RouteContext): Promise<Response> {
  const current = await requireSession(ctx, request);
  const page = readPageRequest(url);
  const now = ctx.clock.now().getTime();
  const others = (await ctx.persister.listSessionsOfIdentity(current.identity.id, { active: true }))
    .filter((s) => s.id !== current.session.id && s.active && Date.parse(s.expires_at) > now)
    .sort((a, b) => b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id));
  const { items, next } = slicePage(others, page);
  return json(
    items.map((s) => sessionToWire(ctx, s, current.identity)),
    200,
    { link: linkHeader(ctx.config.serve.public.base_url, url, page.page_size, next) },
  );
}

async function revokeOthers(ctx: ServerContext, { request }: RouteContext): Promise<Response> {
  const current = await requireSession(ctx, request);
  const count = await ctx.persister.revokeSessionsOfIdentity(current.identity.id, {
    exceptSessionId: current.session.id,
  });
  return json({ count });
}

async function revokeOne(ctx: ServerContext, { request, params }: RouteContext): Promise<Response> {
  const current = await requireSession(ctx, request);
  const id = params.id!;
  if (!isUUID(id)) throw invalidUUID();
  if (id.toLowerCase() === current.session.id) {
    throw new KratosError(400, 'The request was malformed or contained invalid parameters', {
      reason:
        'You cannot revoke the current session using this endpoint. Use the logout flow instead.',
    });
  }
  const target = await ctx.persister.getSession(id.toLowerCase());
  // Another identity's session is reported as missing, never as forbidden (no oracle).
  if (!target || target.identity_id !== current.identity.id) throw notFound();
  await ctx.persister.revokeSession(target.id);
  return noContent();
}

export function registerPublicSessionRoutes(router: Router, ctx: ServerContext): void {
  router
    // Kratos routes whoami for every method (GET, POST, PUT, …: session/handler.go RegisterPublicRoutes).
    .on('GET', '/sessions/whoami', (rc) => whoami(ctx, rc))
    .on('POST', '/sessions/whoami', (rc) => whoami(ctx, rc))
    .on('PUT', '/sessions/whoami', (rc) => whoami(ctx, rc))
    .on('PATCH', '/sessions/whoami', (rc) => whoami(ctx, rc))
    .on('DELETE', '/sessions/whoami', (rc) => whoami(ctx, rc))
    .on('GET', '/sessions', (rc) => listMine(ctx, rc))
    .on('DELETE', '/sessions', (rc) => revokeOthers(ctx, rc))
    .on('DELETE', '/sessions/:id', (rc) => revokeOne(ctx, rc));
}

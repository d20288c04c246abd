// Public session endpoints (Kratos session/handler.go): whoami, and the caller's other sessions.
import type { ServerContext } from '../driver/context.ts';
import { KratosError, badRequest } from '../http/errors.ts';
import { json, noContent } from '../http/respond.ts';
import type { RouteContext, Router } from '../http/router.ts';
import { invalidUUID } from './errors.ts';
import { resolveSession, type ResolvedSession } from './manager.ts';
import { FIRST_OFFSET_PAGE, linkHeader, readPageRequest, slicePage } from './pagination.ts';
import { sessionToWire } from './wire.ts';
import { isUUID } from '../http/url.ts';

/**
 * session/handler.go listMySessions, deleteMySession(s): herodot.ErrUnauthorized().WithReasonf(
 * "No valid session cookie found.") — a 401 without an error id.
 */
async function requireSession(ctx: ServerContext, request: Request): Promise<ResolvedSession> {
  const resolved = await resolveSession(ctx, request);
  if (!resolved) {
    throw new KratosError(401, 'The request could not be authorized', {
      reason: 'No valid session cookie found.',
    });
  }
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
    { link: linkHeader(url, page.page_size, FIRST_OFFSET_PAGE, next) },
  );
}

async function revokeOthers(ctx: ServerContext, { request }: RouteContext): Promise<Response> {
  const current = await requireSession(ctx, request);
  // Kratos RevokeSessionsIdentityExcept updates every other session of the identity, already
  // revoked ones included, and answers the number of rows it touched.
  const others = (await ctx.persister.listSessionsOfIdentity(current.identity.id)).filter(
    (s) => s.id !== current.session.id,
  );
  await ctx.persister.revokeSessionsOfIdentity(current.identity.id, {
    exceptSessionId: current.session.id,
  });
  return json({ count: others.length });
}

async function revokeOne(ctx: ServerContext, { request, params }: RouteContext): Promise<Response> {
  const current = await requireSession(ctx, request);
  const id = params.id!;
  if (!isUUID(id)) throw invalidUUID(id);
  // herodot.ErrBadRequest().WithError("cannot revoke current session"): a message, no reason.
  if (id.toLowerCase() === current.session.id) {
    throw new KratosError(400, 'cannot revoke current session');
  }
  // Kratos RevokeSession(identity, sid) updates the row only when it is the caller's: an unknown
  // id and another identity's session both answer 204 and change nothing (no oracle either way).
  const target = await ctx.persister.getSession(id.toLowerCase());
  if (target && target.identity_id === current.identity.id) {
    await ctx.persister.revokeSession(target.id);
  }
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

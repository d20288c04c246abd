// Admin session endpoints (Kratos session/handler.go, admin router): list, get, revoke, extend.
import type { ServerContext } from '../driver/context.ts';
import { badRequest, notFound } from '../http/errors.ts';
import { json, noContent } from '../http/respond.ts';
import type { RouteContext, Router } from '../http/router.ts';
import type { Identity, Session } from '../persistence/types.ts';
import { invalidUUID } from './errors.ts';
import { linkHeader, readPageRequest } from './pagination.ts';
import { sessionToWire } from './wire.ts';
import { isUUID } from '../http/url.ts';

function readActive(url: URL): boolean | undefined {
  const raw = url.searchParams.get('active');
  if (raw === null || raw === '') return undefined;
  if (raw !== 'true' && raw !== 'false') throw badRequest('active must be true or false');
  return raw === 'true';
}

function wantsIdentity(url: URL): boolean {
  return url.searchParams.getAll('expand').includes('identity');
}

function uuidParam(params: Record<string, string>): string {
  const id = params.id!;
  if (!isUUID(id)) throw invalidUUID();
  return id.toLowerCase();
}

async function wire(
  ctx: ServerContext,
  session: Session,
  expand: boolean,
  cache?: Map<string, Identity | undefined>,
) {
  if (!expand) return sessionToWire(ctx, session);
  let identity = cache?.get(session.identity_id);
  if (!cache?.has(session.identity_id)) {
    identity = await ctx.persister.getIdentity(session.identity_id);
    cache?.set(session.identity_id, identity);
  }
  return sessionToWire(ctx, session, identity);
}

async function list(ctx: ServerContext, { url }: RouteContext): Promise<Response> {
  const page = readPageRequest(url);
  const active = readActive(url);
  const result = await ctx.persister.listSessions({
    ...page,
    ...(active === undefined ? {} : { active }),
  });
  const cache = new Map<string, Identity | undefined>();
  const items = await Promise.all(result.items.map((s) => wire(ctx, s, wantsIdentity(url), cache)));
  return json(items, 200, {
    link: linkHeader(ctx.config.serve.admin.base_url, url, page.page_size, result.next_page_token),
  });
}

async function getOne(ctx: ServerContext, { url, params }: RouteContext): Promise<Response> {
  const session = await ctx.persister.getSession(uuidParam(params));
  if (!session) throw notFound();
  return json(await wire(ctx, session, wantsIdentity(url)));
}

async function revoke(ctx: ServerContext, { params }: RouteContext): Promise<Response> {
  const session = await ctx.persister.getSession(uuidParam(params));
  if (!session) throw notFound();
  await ctx.persister.revokeSession(session.id);
  return noContent();
}

/**
 * Kratos (persistence ExtendSession + Session.CanBeRefreshed): the expiry moves to now + lifespan
 * only once fewer than `session.earliest_possible_extend` (default: the whole lifespan, i.e. any
 * time) remain; earlier calls change nothing, which spares a write per call. Like Kratos it looks
 * the session up by id alone, so an unknown id is 404 and a revoked one stays revoked. With
 * feature_flags.faster_session_extend the answer is 204 without a body, as in Kratos.
 */
async function extend(ctx: ServerContext, { params }: RouteContext): Promise<Response> {
  const session = await ctx.persister.getSession(uuidParam(params));
  if (!session) throw notFound();
  const now = ctx.clock.now().getTime();
  const { lifespan_ms: lifespan, earliest_possible_extend_ms: window } = ctx.config.session;
  let current = session;
  if (Date.parse(session.expires_at) - (window ?? lifespan) < now) {
    current = {
      ...session,
      expires_at: new Date(now + lifespan).toISOString(),
      updated_at: new Date(now).toISOString(),
    };
    await ctx.persister.updateSession(current);
  }
  if (ctx.config.feature_flags?.faster_session_extend) return noContent();
  return json(await wire(ctx, current, true));
}

async function identityOr404(
  ctx: ServerContext,
  params: Record<string, string>,
): Promise<Identity> {
  const identity = await ctx.persister.getIdentity(uuidParam(params));
  if (!identity) throw notFound();
  return identity;
}

async function listOfIdentity(
  ctx: ServerContext,
  { url, params }: RouteContext,
): Promise<Response> {
  const identity = await identityOr404(ctx, params);
  const active = readActive(url);
  const sessions = await ctx.persister.listSessionsOfIdentity(
    identity.id,
    active === undefined ? {} : { active },
  );
  return json(sessions.map((s) => sessionToWire(ctx, s, identity)));
}

async function revokeOfIdentity(ctx: ServerContext, { params }: RouteContext): Promise<Response> {
  const identity = await identityOr404(ctx, params);
  await ctx.persister.revokeSessionsOfIdentity(identity.id);
  return noContent();
}

export function registerAdminSessionRoutes(router: Router, ctx: ServerContext): void {
  router
    .on('GET', '/admin/sessions', (rc) => list(ctx, rc))
    .on('GET', '/admin/sessions/:id', (rc) => getOne(ctx, rc))
    .on('DELETE', '/admin/sessions/:id', (rc) => revoke(ctx, rc))
    .on('PATCH', '/admin/sessions/:id/extend', (rc) => extend(ctx, rc))
    .on('GET', '/admin/identities/:id/sessions', (rc) => listOfIdentity(ctx, rc))
    .on('DELETE', '/admin/identities/:id/sessions', (rc) => revokeOfIdentity(ctx, rc));
}

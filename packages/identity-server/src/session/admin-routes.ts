// Admin session endpoints (Kratos session/handler.go, admin router): list, get, revoke, extend.
import type { ServerContext } from '../driver/context.ts';
import { KratosError, badRequest, notFound } from '../http/errors.ts';
import { encodePageToken } from '../persistence/page-token.ts';
import { json, noContent } from '../http/respond.ts';
import type { RouteContext, Router } from '../http/router.ts';
import type { Identity, Session } from '../persistence/types.ts';
import { invalidUUID } from './errors.ts';
import { linkHeader, readPageRequest } from './pagination.ts';
import { sessionToWire } from './wire.ts';
import { isUUID } from '../http/url.ts';

/** Sessions come newest first (created_at, id descending): the first page starts after the end of time. */
const FIRST_SESSION_PAGE = encodePageToken({
  c: '9999-12-31T23:59:59.999Z',
  id: 'ffffffff-ffff-ffff-ffff-ffffffffffff',
});

// Go's strconv.ParseBool spellings (session/handler.go parses `active` with it).
const BOOLEANS: Record<string, boolean> = {
  '1': true,
  t: true,
  T: true,
  TRUE: true,
  true: true,
  True: true,
  '0': false,
  f: false,
  F: false,
  FALSE: false,
  false: false,
  False: false,
};

function readActive(url: URL): boolean | undefined {
  const raw = url.searchParams.get('active');
  if (raw === null || raw === '') return undefined;
  // herodot.ErrBadRequest().WithError("could not parse parameter active"): a message, no reason.
  if (!(raw in BOOLEANS)) throw new KratosError(400, 'could not parse parameter active');
  return BOOLEANS[raw];
}

/** session/handler.go ParseExpandable: `identity` and `devices`; anything else is 400. */
function wantsIdentity(url: URL): boolean {
  const expand = url.searchParams.getAll('expand');
  for (const option of expand) {
    if (option !== 'identity' && option !== 'devices') {
      throw badRequest(`Could not parse expand option: ${option}`);
    }
  }
  return expand.includes('identity');
}

function uuidParam(params: Record<string, string>): string {
  const id = params.id!;
  if (!isUUID(id)) throw invalidUUID(id);
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
  const expand = wantsIdentity(url);
  const result = await ctx.persister.listSessions({
    ...page,
    ...(active === undefined ? {} : { active }),
  });
  const cache = new Map<string, Identity | undefined>();
  const items = await Promise.all(result.items.map((s) => wire(ctx, s, expand, cache)));
  return json(items, 200, {
    link: linkHeader(url, page.page_size, FIRST_SESSION_PAGE, result.next_page_token),
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

/**
 * Kratos session/handler.go listIdentitySessions: no identity lookup — the sessions query of an
 * unknown identity finds nothing, so it is 200 [] (a malformed id is 400).
 */
async function listOfIdentity(
  ctx: ServerContext,
  { url, params }: RouteContext,
): Promise<Response> {
  const identityId = uuidParam(params);
  const active = readActive(url);
  const sessions = await ctx.persister.listSessionsOfIdentity(
    identityId,
    active === undefined ? {} : { active },
  );
  if (sessions.length === 0) return json([]);
  const identity = await ctx.persister.getIdentity(identityId);
  return json(sessions.map((s) => sessionToWire(ctx, s, identity)));
}

/**
 * Kratos deleteIdentitySessions → persister DeleteSessionsByIdentity: the rows are deleted (not
 * revoked), and deleting none is sqlcon.ErrNoRows — 404.
 */
async function deleteOfIdentity(ctx: ServerContext, { params }: RouteContext): Promise<Response> {
  const deleted = await ctx.persister.deleteSessionsOfIdentity(uuidParam(params));
  if (deleted === 0) throw notFound();
  return noContent();
}

export function registerAdminSessionRoutes(router: Router, ctx: ServerContext): void {
  router
    .on('GET', '/admin/sessions', (rc) => list(ctx, rc))
    .on('GET', '/admin/sessions/:id', (rc) => getOne(ctx, rc))
    .on('DELETE', '/admin/sessions/:id', (rc) => revoke(ctx, rc))
    .on('PATCH', '/admin/sessions/:id/extend', (rc) => extend(ctx, rc))
    .on('GET', '/admin/identities/:id/sessions', (rc) => listOfIdentity(ctx, rc))
    .on('DELETE', '/admin/identities/:id/sessions', (rc) => deleteOfIdentity(ctx, rc));
}

// POST /self-service/settings?flow=<id> (Kratos settings/handler.go updateSettingsFlow with the
// `profile` and `password` strategies).
import type { ServerContext, UIText } from '../../driver/context.ts';
import { badRequest, KratosError } from '../../http/errors.ts';
import { parseBody } from '../../http/body.ts';
import { json, redirect } from '../../http/respond.ts';
import type { RouteContext } from '../../http/router.ts';
import type { FlowRecord } from '../../persistence/types.ts';
import { resolveSession, type ResolvedSession } from '../../session/manager.ts';
import { publicIdentity } from '../../session/wire.ts';
import type { CSRFProtection } from '../flow/csrf.ts';
import { forwardError } from '../errors/manager.ts';
import { csrfViolation, expiredOnSubmit, isExpired, loadFlow } from '../flow/lifecycle.ts';
import { isJSONRequest } from '../../http/negotiation.ts';
import { flowUIURL, saveAndRespond } from '../flow/respond.ts';
import { identityMismatch, loginRedirect, refreshRequired, sessionInactive } from './access.ts';
import { createSettingsFlow } from './flow.ts';
import { settingsNodes } from './nodes.ts';
import { updatePassword } from './password.ts';
import { updateProfile } from './profile.ts';
import { uiOf, attachMessage } from '../../ui/container.ts';
import { isUUID } from '../../http/url.ts';
import { settingsText } from '../../text/index.ts';

export interface SettingsSubmission {
  ctx: ServerContext;
  csrf: CSRFProtection;
  request: Request;
  flow: FlowRecord;
  body: Record<string, unknown>;
  session: ResolvedSession;
  asJSON: boolean;
}

/** Re-renders the form (keeping submitted traits, never a password) with the problems: 400. */
export function showProblems(
  s: SettingsSubmission,
  problems: Array<{ name: string; message: UIText }>,
  traits?: Record<string, unknown>,
): Promise<Response> {
  const ui = uiOf(s.flow);
  const csrfMasked = s.flow.type === 'browser' ? s.csrf.remask(s.flow.csrf_token) : undefined;
  ui.nodes = settingsNodes(s.ctx, s.session.identity, {
    ...(csrfMasked ? { csrfMasked } : {}),
    ...(traits ? { traits } : {}),
  });
  delete ui.messages;
  for (const p of problems) attachMessage(ui, p.name, p.message);
  s.flow.body.state = 'show_form';
  return saveAndRespond(s.ctx, s.request, s.flow);
}

/** Success: state `success`, 1050001, fresh form; browsers go to return_to or back to the flow. */
export async function showSuccess(
  s: SettingsSubmission,
  continueWith: Array<Record<string, unknown>> = [],
): Promise<Response> {
  const { ctx, flow } = s;
  const identity = (await ctx.persister.getIdentity(s.session.identity.id)) ?? s.session.identity;
  const csrfMasked = flow.type === 'browser' ? s.csrf.remask(flow.csrf_token) : undefined;
  const ui = uiOf(flow);
  ui.nodes = settingsNodes(ctx, identity, csrfMasked ? { csrfMasked } : {});
  ui.messages = [settingsText.settingsSaved()];
  flow.body.state = 'success';
  flow.body.identity = publicIdentity(ctx, identity);
  const returnTo = typeof flow.body.return_to === 'string' ? flow.body.return_to : undefined;
  const items = [...continueWith];
  if (returnTo) items.push({ action: 'redirect_browser_to', redirect_browser_to: returnTo });
  if (items.length) flow.body.continue_with = items;
  else delete flow.body.continue_with;
  flow.body.updated_at = ctx.clock.now().toISOString();
  await ctx.persister.updateFlow(flow);
  if (s.asJSON) return json(flow.body, 200);
  return redirect(returnTo ?? flowUIURL(ctx, flow), 303);
}

/**
 * Kratos's settings error handler for an old session: JSON 403, browsers to the refresh login.
 * A browser flow's change is remembered and applied when the browser comes back after it.
 */
export function needsReauth(s: SettingsSubmission): Promise<Response> | Response {
  const err = refreshRequired(s.ctx, s.flow);
  if (s.flow.type === 'browser') s.ctx.continuity.pause(s.flow.id, s.session.identity.id, s.body);
  if (s.asJSON) return forwardError(s.ctx, s.request, '', err, { json: true });
  return redirect(String(err.extra!.redirect_browser_to), 303);
}

async function replaceExpired(
  ctx: ServerContext,
  csrf: CSRFProtection,
  request: Request,
  expired: FlowRecord,
  session: ResolvedSession,
  asJSON: boolean,
): Promise<Response> {
  const now = ctx.clock.now();
  const returnTo = typeof expired.body.return_to === 'string' ? expired.body.return_to : undefined;
  const { flow, setCookie } = createSettingsFlow(ctx, csrf, {
    type: expired.type,
    request,
    identity: session.identity,
    session: session.session,
    ...(returnTo ? { returnTo } : {}),
    messages: [settingsText.settingsFlowExpired(new Date(expired.expires_at), now)],
  });
  await ctx.persister.createFlow(flow);
  const headers = setCookie ? { 'set-cookie': setCookie } : undefined;
  if (!asJSON) return redirect(flowUIURL(ctx, flow), 303, headers);
  return forwardError(ctx, request, '', expiredOnSubmit(expired, flow, now), {
    json: true,
    ...(headers ? { headers } : {}),
  });
}

async function authorise(ctx: ServerContext, request: Request, flow: FlowRecord, asJSON: boolean) {
  const session = await resolveSession(ctx, request);
  if (!session) {
    if (asJSON) throw sessionInactive();
    return redirect(loginRedirect(ctx, flowUIURL(ctx, flow)), 303);
  }
  if (session.identity.id !== flow.identity_id) throw identityMismatch();
  return session;
}

export function submitSettings(ctx: ServerContext, csrf: CSRFProtection) {
  return async ({ request, url, requestId }: RouteContext): Promise<Response> => {
    let asJSON = isJSONRequest(request);
    try {
      const id = url.searchParams.get('flow');
      if (!isUUID(id)) throw badRequest('The flow query parameter is missing or malformed.');
      const flow = await loadFlow(ctx, 'settings', id);
      asJSON = asJSON || flow.type === 'api';
      const session = await authorise(ctx, request, flow, asJSON);
      if (session instanceof Response) return session;
      if (isExpired(ctx, flow))
        return await replaceExpired(ctx, csrf, request, flow, session, asJSON);
      const { data: body } = await parseBody(request, ctx.config.body_limit_bytes);
      if (
        flow.type === 'browser' &&
        !csrf.submissionMatches(request, flow.csrf_token, body.csrf_token)
      ) {
        throw csrfViolation();
      }
      if (flow.type === 'api' && request.headers.has('origin')) {
        throw badRequest('You are not allowed to use API flows from the browser.');
      }
      return await applyUpdate({ ctx, csrf, request, flow, body, session, asJSON });
    } catch (err) {
      return forwardError(ctx, request, requestId, err, { json: asJSON });
    }
  };
}

function applyUpdate(s: SettingsSubmission): Promise<Response> {
  const { methods } = s.ctx.config.selfservice;
  if (s.body.method === 'profile' && methods.profile.enabled) return updateProfile(s);
  if (s.body.method === 'password' && methods.password.enabled) return updatePassword(s);
  throw new KratosError(400, 'The request was malformed or contained invalid parameters', {
    reason:
      'Could not find a strategy to update your settings. Did you fill out the form correctly?',
  });
}

/**
 * GET /self-service/settings?flow=<id>: where the refresh login returns a browser. The change it
 * was refused is applied now (still checked: privileged window, policy, schema); without one, or
 * for anything else, the browser goes on to the settings UI.
 */
export function resumeSettings(ctx: ServerContext, csrf: CSRFProtection) {
  return async ({ request, url, requestId }: RouteContext): Promise<Response> => {
    try {
      const id = url.searchParams.get('flow');
      if (!isUUID(id)) throw badRequest('The flow query parameter is missing or malformed.');
      const flow = await loadFlow(ctx, 'settings', id);
      const session = await authorise(ctx, request, flow, false);
      if (session instanceof Response) return session;
      if (isExpired(ctx, flow))
        return await replaceExpired(ctx, csrf, request, flow, session, false);
      const body =
        flow.type === 'browser' ? ctx.continuity.resume(flow.id, session.identity.id) : undefined;
      if (!body) return redirect(flowUIURL(ctx, flow), 303);
      return await applyUpdate({ ctx, csrf, request, flow, body, session, asJSON: false });
    } catch (err) {
      return forwardError(ctx, request, requestId, err, { json: false });
    }
  };
}

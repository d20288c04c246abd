// How a settings method answers (Kratos settings/error.go and settings/hook.go): the form again
// with its problems, the saved state, or — for a session too old for the change — a refresh login,
// the change remembered until the browser comes back (continuity).
import { json, redirect } from '../../http/respond.ts';
import { sessionCookie, type ResolvedSession } from '../../session/manager.ts';
import { publicIdentity } from '../../session/wire.ts';
import { settingsText, type UIText } from '../../text/index.ts';
import { attachMessage, uiOf } from '../../ui/container.ts';
import { forwardError } from '../errors/manager.ts';
import { flowUIURL, saveAndRespond } from '../flow/respond.ts';
import { touchFlow } from '../flow/lifecycle.ts';
import { afterReturnURL } from '../flow/return-to.ts';
import type { Submission } from '../flow/submission.ts';
import { refreshRequired } from './access.ts';
import { settingsNodes } from './nodes.ts';

/** A settings submit: its session is required and owns the flow. */
export type SettingsSubmission = Submission & { session: ResolvedSession };

/**
 * Re-renders the form (keeping submitted traits, never a password) with the problems: 400. The
 * flow's state stays (a saved flow stays `success`); a profile problem (traits given) keeps the flow's
 * messages (1050001), a password problem clears them — as recorded in
 * shared/ory/kratos/transcripts/settings.json#5-6.
 */
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
  if (!traits) delete ui.messages;
  for (const p of problems) attachMessage(ui, p.name, p.message);
  return saveAndRespond(s.ctx, s.request, s.flow);
}

/** Success: state `success`, 1050001, fresh form; browsers go to return_to or back to the flow. */
export async function showSuccess(
  s: SettingsSubmission,
  method: 'profile' | 'password',
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
  // Kratos SelfServiceFlowSettingsReturnTo(strategy, default): return_to, else the configured
  // after.<method> / after.default_browser_return_url, else the settings UI for this flow.
  const returnTo =
    typeof flow.body.return_to === 'string'
      ? flow.body.return_to
      : afterReturnURL(ctx.config, 'settings', method);
  const items = [...continueWith];
  // A browser is told where to go (the return URL, else the settings UI showing this flow), as
  // Kratos's settings/hook.go does (shared/ory/kratos/transcripts/settings.json#20).
  const browserTarget = flow.type === 'browser' ? (returnTo ?? flowUIURL(ctx, flow)) : returnTo;
  if (browserTarget) {
    items.push({ action: 'redirect_browser_to', redirect_browser_to: browserTarget });
  }
  if (items.length) flow.body.continue_with = items;
  else delete flow.body.continue_with;
  touchFlow(ctx, flow);
  await ctx.persister.updateFlow(flow);
  // Kratos re-issues the session cookie to a browser after a change (UpsertAndIssueCookie); the
  // session is the same one, so the CSRF secret stays (settings.json#20, #24).
  const headers = new Headers();
  if (flow.type === 'browser') {
    const current = (await ctx.persister.getSession(s.session.session.id)) ?? s.session.session;
    headers.append('set-cookie', sessionCookie(ctx, s.session.token, current));
  }
  if (s.json) return json(flow.body, 200, headers);
  return redirect(returnTo ?? flowUIURL(ctx, flow), 303, headers);
}

/**
 * Kratos's settings error handler for an old session: JSON 403, browsers to the refresh login.
 * A browser flow's change is remembered and applied when the browser comes back after it.
 */
export function needsReauth(s: SettingsSubmission): Promise<Response> | Response {
  const err = refreshRequired(s.ctx, s.flow);
  if (s.flow.type === 'browser') s.ctx.continuity.pause(s.flow.id, s.session.identity.id, s.body);
  if (s.json) return forwardError(s.ctx, s.request, '', err, { json: true });
  return redirect(String(err.extra!.redirect_browser_to), 303);
}

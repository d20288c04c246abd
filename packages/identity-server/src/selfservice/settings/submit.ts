// POST /self-service/settings?flow=<id> (Kratos settings/handler.go updateSettingsFlow with the
// `profile` and `password` strategies).
import type { ServerContext } from '../../driver/context.ts';
import { redirect } from '../../http/respond.ts';
import type { RouteContext } from '../../http/router.ts';
import { resolveSession } from '../../session/manager.ts';
import { settingsText } from '../../text/index.ts';
import type { CSRFProtection } from '../flow/csrf.ts';
import { forwardError } from '../errors/manager.ts';
import { isExpired } from '../flow/lifecycle.ts';
import { flowUIURL, saveAndRespond } from '../flow/respond.ts';
import { addFlowMessage, resetMessages } from '../../ui/container.ts';
import {
  answerExpired,
  loadSubmittedFlow,
  submitHandler,
  type FlowStrategy,
  type SubmitMethod,
} from '../flow/submit.ts';
import { submissionOf, type Submission } from '../flow/submission.ts';
import { identityMismatch, loginRedirect, sessionInactive } from './access.ts';
import { createSettingsFlow } from './flow.ts';
import { updatePassword } from './password.ts';
import { updateProfile } from './profile.ts';
import type { SettingsSubmission } from './respond.ts';

function replaceExpired(s: SettingsSubmission) {
  const { ctx, flow: expired } = s;
  const returnTo = typeof expired.body.return_to === 'string' ? expired.body.return_to : undefined;
  const replacement = createSettingsFlow(ctx, s.csrf, {
    type: expired.type,
    request: s.request,
    identity: s.session.identity,
    session: s.session.session,
    ...(returnTo ? { returnTo } : {}),
    messages: [settingsText.settingsFlowExpired(new Date(expired.expires_at), ctx.clock.now())],
  });
  return ctx.persister.createFlow(replacement.flow).then(() => replacement);
}

/** Kratos: a session is required (browsers go to login first) and must own the flow. */
async function authorise(s: Submission): Promise<SettingsSubmission | Response> {
  const { ctx, flow } = s;
  const session = await resolveSession(ctx, s.request);
  if (!session) {
    if (s.json) throw sessionInactive();
    return redirect(loginRedirect(ctx, flowUIURL(ctx, flow)), 303);
  }
  if (session.identity.id !== flow.identity_id) throw identityMismatch();
  return { ...s, session };
}

const profile: SubmitMethod<SettingsSubmission> = { handle: updateProfile };
const password: SubmitMethod<SettingsSubmission> = { handle: updatePassword };
// An unknown or disabled method is refused after the CSRF check, as before any strategy runs:
// the flow again (400) with 4010004, its state kept (shared/ory/kratos/transcripts/settings.json#21).
const unknown: SubmitMethod<SettingsSubmission> = {
  handle(s) {
    resetMessages(s.flow);
    delete s.flow.body.continue_with;
    addFlowMessage(s.flow, settingsText.settingsNoStrategy());
    return saveAndRespond(s.ctx, s.request, s.flow);
  },
};

function methodFor(s: SettingsSubmission): SubmitMethod<SettingsSubmission> {
  const { methods } = s.ctx.config.selfservice;
  if (s.method === 'profile' && methods.profile.enabled) return profile;
  if (s.method === 'password' && methods.password.enabled) return password;
  return unknown;
}

const settingsStrategy: FlowStrategy<SettingsSubmission> = {
  kind: 'settings',
  prepare: authorise,
  replaceExpired,
  methodFor,
  noMethod: (s) => unknown.handle(s),
};

export function submitSettings(ctx: ServerContext, csrf: CSRFProtection) {
  return submitHandler(ctx, csrf, settingsStrategy);
}

/**
 * GET /self-service/settings?flow=<id>: where the refresh login returns a browser. The change it
 * was refused is applied now (still checked: privileged window, policy, schema); without one, or
 * for anything else, the browser goes on to the settings UI. No CSRF token: it was checked on the
 * POST that was refused.
 */
export function resumeSettings(ctx: ServerContext, csrf: CSRFProtection) {
  return async (route: RouteContext): Promise<Response> => {
    try {
      const flow = await loadSubmittedFlow(ctx, 'settings', route.url);
      const s = await authorise(submissionOf({ ctx, csrf }, route, flow, false));
      if (s instanceof Response) return s;
      if (isExpired(ctx, flow)) return await answerExpired(s, await replaceExpired(s));
      const body =
        flow.type === 'browser' ? ctx.continuity.resume(flow.id, s.session.identity.id) : undefined;
      if (!body) return redirect(flowUIURL(ctx, flow), 303);
      s.body = body;
      s.method = typeof body.method === 'string' ? body.method : undefined;
      return await methodFor(s).handle(s);
    } catch (err) {
      return forwardError(ctx, route.request, route.requestId, err, { json: false });
    }
  };
}

// The submit strategy login and registration share (Kratos flow/{login,registration}/handler.go):
// an expired flow is replaced by a new one of the same kind; an existing session may refuse the
// submit; `password` is the one method, and a consumed browser flow cannot be submitted again (Kratos
// accepts a finished API flow again: a new session, or a second identity).
import { redirect } from '../../http/respond.ts';
import { routeURLOf } from '../../http/url.ts';
import { resolveSession } from '../../session/manager.ts';
import type { UIText } from '../../text/index.ts';
import { addFlowMessage } from '../../ui/container.ts';
import { createFlow, type FlowKindSpec } from './init.ts';
import { rejectWithMessage, type FlowStrategy, type SubmitMethod } from './submit.ts';
import type { Submission } from './submission.ts';

export interface KindSubmitSpec extends FlowKindSpec {
  expiredMessage(expiredAt: Date, now: Date): UIText;
  noStrategyMessage(): UIText;
  retrySuccessMessage(): UIText;
  submitPassword(s: Submission): Promise<Response>;
  /** False when the password does not apply to the flow (a login flow for a second factor). */
  acceptsPassword?(s: Submission): boolean;
  /** Other methods of the kind (registration's `profile` screen), by name. */
  otherMethods?(s: Submission): SubmitMethod | undefined;
}

export function kindStrategy(spec: KindSubmitSpec): FlowStrategy {
  const password: SubmitMethod = {
    handle: (s) =>
      s.flow.consumed_at && s.flow.type !== 'api'
        ? rejectWithMessage(s, spec.retrySuccessMessage())
        : spec.submitPassword(s),
  };
  return {
    kind: spec.kind,
    replaceExpired: (s) => replaceExpired(spec, s),
    beforeBody: (s) => refuseWithSession(spec, s),
    methodFor: (s) =>
      s.method === 'password'
        ? (spec.acceptsPassword?.(s) ?? true)
          ? password
          : undefined
        : spec.otherMethods?.(s),
    noMethod: (s) => rejectWithMessage(s, spec.noStrategyMessage()),
  };
}

async function replaceExpired(spec: KindSubmitSpec, s: Submission) {
  const { ctx, flow: expired } = s;
  const session = await resolveSession(ctx, s.request);
  const returnTo = typeof expired.body.return_to === 'string' ? expired.body.return_to : undefined;
  const replacement = await createFlow(ctx, s.csrf, spec, {
    type: expired.type,
    // Its path is the server's route again: a base URL with a path must not be prefixed twice.
    url: routeURLOf(ctx.config.serve.public.base_url, String(expired.body.request_url)),
    request: s.request,
    ...(returnTo ? { returnTo } : {}),
    ...(session ? { session } : {}),
    from: expired,
  });
  addFlowMessage(
    replacement.flow,
    spec.expiredMessage(new Date(expired.expires_at), ctx.clock.now()),
  );
  await ctx.persister.updateFlow(replacement.flow);
  return replacement;
}

/** The requester's session, and the kind's refusal of it (session_already_available…). */
async function refuseWithSession(
  spec: KindSubmitSpec,
  s: Submission,
): Promise<Response | undefined> {
  s.session = await resolveSession(s.ctx, s.request);
  if (!s.session) return undefined;
  const refusal = spec.refuseWithSession(new URL(String(s.flow.body.request_url)), s.session);
  if (!refusal) return undefined;
  if (s.json) throw refusal;
  return redirect(s.ctx.config.selfservice.default_browser_return_url, 303);
}

// POST /self-service/<kind>?flow=<id>: the steps every submit shares, in Kratos's order
// (flow/<kind>/handler.go update<Kind>Flow + strategy/password): load → expiry → existing session →
// body → method → CSRF → already consumed → the method itself.
import type { ServerContext, UIText } from '../../driver/context.ts';
import type { KratosError } from '../../http/errors.ts';
import { badRequest } from '../../http/errors.ts';
import { parseBody } from '../../http/body.ts';
import { redirect } from '../../http/respond.ts';
import type { RouteContext } from '../../http/router.ts';
import type { FlowRecord } from '../../persistence/types.ts';
import type { ResolvedSession } from '../../session/manager.ts';
import { resolveSession } from '../../session/manager.ts';
import type { CSRFProtection } from './csrf.ts';
import { forwardError } from '../errors/manager.ts';
import { createFlow, type FlowKindSpec } from './init.ts';
import { csrfViolation, expiredOnSubmit, isExpired, loadFlow } from './lifecycle.ts';
import { isJSONRequest } from '../../http/negotiation.ts';
import { flowResponse, flowUIURL, saveAndRespond } from './respond.ts';
import { addFlowMessage, resetMessages } from '../../ui/container.ts';
import { isUUID, routeURLOf } from '../../http/url.ts';

export interface Submission {
  ctx: ServerContext;
  csrf: CSRFProtection;
  request: Request;
  flow: FlowRecord;
  body: Record<string, unknown>;
  /** True when the answer is JSON (API flow, or a browser flow submitted as/accepting JSON). */
  json: boolean;
  session: ResolvedSession | undefined;
  clientAddress: string | undefined;
}

export interface SubmitSpec extends FlowKindSpec {
  expiredMessage(expiredAt: Date, now: Date): UIText;
  noStrategyMessage(): UIText;
  retrySuccessMessage(): UIText;
  submitPassword(submission: Submission): Promise<Response>;
}

/** Rejects a validation problem on the flow itself (400 / 303 back to the UI). */
export async function rejectWithMessage(s: Submission, message: UIText): Promise<Response> {
  resetMessages(s.flow);
  addFlowMessage(s.flow, message);
  return saveAndRespond(s.ctx, s.request, s.flow);
}

async function replaceExpired(
  ctx: ServerContext,
  csrf: CSRFProtection,
  spec: SubmitSpec,
  request: Request,
  expired: FlowRecord,
  json: boolean,
): Promise<Response> {
  const session = await resolveSession(ctx, request);
  const returnTo = typeof expired.body.return_to === 'string' ? expired.body.return_to : undefined;
  const { flow, setCookie } = await createFlow(ctx, csrf, spec, {
    type: expired.type,
    // Its path is the server's route again: a base URL with a path must not be prefixed twice.
    url: routeURLOf(ctx.config.serve.public.base_url, String(expired.body.request_url)),
    request,
    ...(returnTo ? { returnTo } : {}),
    ...(session ? { session } : {}),
    from: expired,
  });
  const now = ctx.clock.now();
  addFlowMessage(flow, spec.expiredMessage(new Date(expired.expires_at), now));
  await ctx.persister.updateFlow(flow);
  const headers = setCookie ? { 'set-cookie': setCookie } : undefined;
  if (json)
    return forwardError(ctx, request, '', expiredOnSubmit(expired, flow, now), {
      json,
      ...(headers ? { headers } : {}),
    });
  return redirect(flowUIURL(ctx, flow), 303, headers);
}

/** API flows must not be driven by a browser (Kratos flow.EnsureCSRF for TypeAPI). */
function apiFlowFromBrowser(): KratosError {
  return badRequest('You are not allowed to use API flows from the browser.');
}

export function submitHandler(ctx: ServerContext, csrf: CSRFProtection, spec: SubmitSpec) {
  return async ({ request, url, requestId, clientAddress }: RouteContext): Promise<Response> => {
    let json = isJSONRequest(request);
    try {
      const id = url.searchParams.get('flow');
      if (!isUUID(id)) throw badRequest('The flow query parameter is missing or malformed.');
      const flow = await loadFlow(ctx, spec.kind, id);
      json = json || flow.type === 'api';
      if (isExpired(ctx, flow)) return await replaceExpired(ctx, csrf, spec, request, flow, json);

      const session = await resolveSession(ctx, request);
      if (session && spec.refuseWithSession(new URL(String(flow.body.request_url)), session)) {
        if (json) throw spec.refuseWithSession(new URL(String(flow.body.request_url)), session)!;
        return redirect(ctx.config.selfservice.default_browser_return_url, 303);
      }

      const { data: body } = await parseBody(request, ctx.config.body_limit_bytes);
      const submission: Submission = {
        ctx,
        csrf,
        request,
        flow,
        body,
        json,
        session,
        clientAddress,
      };
      if (body.method !== 'password')
        return await rejectWithMessage(submission, spec.noStrategyMessage());
      if (
        flow.type === 'browser' &&
        !csrf.submissionMatches(request, flow.csrf_token, body.csrf_token)
      ) {
        throw csrfViolation();
      }
      if (flow.type === 'api' && request.headers.has('origin')) throw apiFlowFromBrowser();
      if (flow.consumed_at) return await rejectWithMessage(submission, spec.retrySuccessMessage());
      return await spec.submitPassword(submission);
    } catch (err) {
      return forwardError(ctx, request, requestId, err, { json });
    }
  };
}

export { flowResponse };

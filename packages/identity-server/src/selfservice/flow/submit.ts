// POST /self-service/<kind>?flow=<id>: the one submit pipeline of all five flows, in Kratos's order
// (flow/<kind>/handler.go update<Kind>Flow, then the strategy): load the flow → the flow's own
// guard → expiry (a replacement flow) → what needs no body → body → `method` → CSRF and the
// API-flow origin → the method itself. Each flow supplies a FlowStrategy; a fix to CSRF or
// expiry lands here once.
import type { ServerContext } from '../../driver/context.ts';
import { parseBody } from '../../http/body.ts';
import { badRequest, KratosError } from '../../http/errors.ts';
import { isJSONRequest } from '../../http/negotiation.ts';
import { redirect } from '../../http/respond.ts';
import type { RouteContext } from '../../http/router.ts';
import { isUUID } from '../../http/url.ts';
import type { FlowKind, FlowRecord } from '../../persistence/types.ts';
import { validationText, type UIText } from '../../text/index.ts';
import { addFlowMessage, resetMessages } from '../../ui/container.ts';
import { forwardError } from '../errors/manager.ts';
import type { CSRFProtection } from './csrf.ts';
import { csrfViolation, expiredOnSubmit, isExpired, loadFlow } from './lifecycle.ts';
import { flowUIURL, saveAndRespond } from './respond.ts';
import { submissionOf, type Submission } from './submission.ts';

export type { Submission } from './submission.ts';

/** One method a flow accepts (Kratos: a strategy's Login/Register/Recover/Verify/Settings). */
export interface SubmitMethod<S extends Submission = Submission> {
  handle(s: S): Promise<Response>;
  /** Whether the CSRF token must match (browser flows only). Default: yes. */
  checksCSRF?(s: S): boolean;
  /** Whether an API flow is refused when a browser (Origin header) drives it. Default: yes. */
  checksOrigin?(s: S): boolean;
}

export interface FlowStrategy<S extends Submission = Submission> {
  kind: FlowKind;
  /** False for a route that always answers with redirects (verification's emailed link). */
  answersJSON?: boolean;
  /** The flow's own guard before expiry (settings: the session must own the flow). */
  prepare?(s: Submission): Promise<S | Response>;
  /** A new, stored flow replacing an expired one, already carrying the "expired" message. */
  replaceExpired(s: S): Promise<{ flow: FlowRecord; setCookie?: string }>;
  /** Outcomes that need no body (an existing session, an emailed link); undefined goes on. */
  beforeBody?(s: S): Promise<Response | undefined>;
  /** The method named by the body, or undefined when the flow has none by that name. */
  methodFor(s: S): SubmitMethod<S> | undefined;
  /** No method matched: a message on the flow (login) or a thrown 400. */
  noMethod(s: S): Promise<Response>;
  /** A failed CSRF check; undefined answers with the plain error (recovery abandons the flow). */
  csrfViolated?(s: S, err: KratosError): Promise<Response | undefined>;
}

export function submitHandler<S extends Submission>(
  ctx: ServerContext,
  csrf: CSRFProtection,
  strategy: FlowStrategy<S>,
) {
  return async (route: RouteContext): Promise<Response> => {
    const answersJSON = strategy.answersJSON ?? true;
    let json = answersJSON && isJSONRequest(route.request);
    try {
      const flow = await loadSubmittedFlow(ctx, strategy.kind, route.url);
      json = json || (answersJSON && flow.type === 'api');
      const base = submissionOf({ ctx, csrf }, route, flow, json);
      const s = strategy.prepare ? await strategy.prepare(base) : (base as S);
      if (s instanceof Response) return s;
      if (isExpired(ctx, flow)) return await answerExpired(s, await strategy.replaceExpired(s));
      const early = await strategy.beforeBody?.(s);
      if (early) return early;
      try {
        s.body = (await parseBody(route.request, ctx.config.body_limit_bytes)).data;
      } catch (err) {
        const answered = await answerUndecodable(s, err);
        if (answered) return answered;
        throw err;
      }
      s.method = typeof s.body.method === 'string' ? s.body.method : undefined;
      const method = strategy.methodFor(s);
      if (!method) return await strategy.noMethod(s);
      try {
        ensureCSRF(s, method);
      } catch (err) {
        const answered =
          err instanceof KratosError ? await strategy.csrfViolated?.(s, err) : undefined;
        if (answered) return answered;
        throw err;
      }
      return await method.handle(s);
    } catch (err) {
      return forwardError(ctx, route.request, route.requestId, err, { json });
    }
  };
}

/**
 * A body the decoder refuses (malformed JSON, a JSON array, an unknown Content-Type) is Kratos's
 * decoder error on the flow: 400 with the flow and 4000001 in ui.messages
 * (shared/ory/kratos/transcripts/registration-api.json). A browser flow is only shown to a request
 * holding its CSRF cookie — the flow carries its CSRF token — otherwise the plain error stands.
 */
async function answerUndecodable(s: Submission, err: unknown): Promise<Response | undefined> {
  if (!(err instanceof KratosError) || (err.code !== 400 && err.code !== 415)) return undefined;
  if (s.flow.type === 'browser' && !s.csrf.cookieMatches(s.request, s.flow.csrf_token)) {
    return undefined;
  }
  const type = (s.request.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const reason =
    err.code === 415
      ? `HTTP POST Request used unknown HTTP Header "Content-Type: ${type}", only [multipart/form-data application/x-www-form-urlencoded application/json] are supported.`
      : 'Unable to decode form as JSON.';
  resetMessages(s.flow);
  addFlowMessage(s.flow, validationText.generic(reason));
  return saveAndRespond(s.ctx, s.request, s.flow, 400);
}

/** The flow named by `?flow=`: a missing or malformed id is a 400, an unknown one a 404. */
export function loadSubmittedFlow(ctx: ServerContext, kind: FlowKind, url: URL) {
  const id = url.searchParams.get('flow');
  if (!isUUID(id)) throw badRequest('The flow query parameter is missing or malformed.');
  return loadFlow(ctx, kind, id);
}

/**
 * Kratos flow.EnsureCSRF: a browser flow's token must match its cookie; an API flow must not be
 * driven by a browser. A method may waive either (verification codes are their own secret).
 */
function ensureCSRF<S extends Submission>(s: S, method: SubmitMethod<S>): void {
  const { flow } = s;
  const checksCSRF = method.checksCSRF?.(s) ?? true;
  if (
    flow.type === 'browser' &&
    checksCSRF &&
    !s.csrf.submissionMatches(s.request, flow.csrf_token, s.body.csrf_token)
  ) {
    const form = /application\/x-www-form-urlencoded|multipart\/form-data/i.test(
      s.request.headers.get('content-type') ?? '',
    );
    const sent = !form || (typeof s.body.csrf_token === 'string' && s.body.csrf_token !== '');
    throw csrfViolation(s.csrf.rejectionDetails(s.request, sent ? 'sent' : 'absent'));
  }
  if (
    flow.type === 'api' &&
    (method.checksOrigin?.(s) ?? true) &&
    s.request.headers.has('origin')
  ) {
    throw badRequest('You are not allowed to use API flows from the browser.');
  }
}

/** Submit of an expired flow: browsers go to the replacement's UI, JSON clients get 410 + use_flow_id. */
export async function answerExpired(
  s: Submission,
  replacement: { flow: FlowRecord; setCookie?: string },
): Promise<Response> {
  const { ctx } = s;
  const headers = replacement.setCookie ? { 'set-cookie': replacement.setCookie } : undefined;
  if (!s.json) return redirect(flowUIURL(ctx, replacement.flow), 303, headers);
  const err = expiredOnSubmit(s.flow, replacement.flow, ctx.clock.now());
  return forwardError(ctx, s.request, '', err, { json: true, ...(headers ? { headers } : {}) });
}

/** Rejects a validation problem on the flow itself (400 / 303 back to the UI). */
export async function rejectWithMessage(s: Submission, message: UIText): Promise<Response> {
  resetMessages(s.flow);
  addFlowMessage(s.flow, message);
  return saveAndRespond(s.ctx, s.request, s.flow);
}

// POST /self-service/verification?flow=<id> (method `code`) and the emailed link
// GET /self-service/verification?flow=<id>&code=<code> (Kratos strategy/code/strategy_verification.go).
import type { ServerContext, UIText } from '../../driver/context.ts';
import { badRequest, KratosError } from '../../http/errors.ts';
import { parseBody } from '../../http/body.ts';
import { redirect } from '../../http/respond.ts';
import type { RouteContext } from '../../http/router.ts';
import type { FlowRecord } from '../../persistence/types.ts';
import type { CSRFProtection } from '../flow/csrf.ts';
import { forwardError } from '../errors/manager.ts';
import { csrfViolation, expiredOnSubmit, isExpired, loadFlow } from '../flow/lifecycle.ts';
import { isJSONRequest } from '../../http/negotiation.ts';
import { flowUIURL, saveAndRespond } from '../flow/respond.ts';
import { returnToOf } from '../flow/success.ts';
import {
  replacementFlow,
  findIdentityByAddress,
  looksLikeEmail,
  normaliseAddress,
  retryWithMessage,
} from '../strategy/code/address-flow.ts';
import { challengeOf, checkChallenge } from '../strategy/code/challenge.ts';
import { chooseMethodNodes, continueLinkNode } from '../strategy/code/nodes.ts';
import { markVerified, sendVerificationCode } from '../strategy/code/code-sender.ts';
import { uiOf, attachMessage } from '../../ui/container.ts';
import { isUUID } from '../../http/url.ts';
import { validationText, verificationText } from '../../text/index.ts';

interface Submission {
  ctx: ServerContext;
  csrf: CSRFProtection;
  request: Request;
  flow: FlowRecord;
  /** False for the emailed link: a browser is always answered with a redirect to the UI. */
  asJSON: boolean;
}

/**
 * A new flow carrying `message` (Kratos retryVerificationFlowWith{Message,Error}): browsers go to
 * its UI; JSON clients get 410 — self_service_flow_expired for an expired code, otherwise
 * self_service_flow_replaced — with `use_flow_id`.
 */
async function retry(s: Submission, message: UIText, codeExpiredAt?: Date): Promise<Response> {
  if (!s.asJSON) return retryWithMessage(s.ctx, s.csrf, 'verification', s.request, s.flow, message);
  const { ctx, flow: old } = s;
  const { flow, setCookie } = await replacementFlow(
    ctx,
    s.csrf,
    'verification',
    s.request,
    s.flow,
    message,
  );
  const err = codeExpiredAt
    ? expiredOnSubmit({ ...old, expires_at: codeExpiredAt.toISOString() }, flow, ctx.clock.now())
    : new KratosError(410, 'self-service flow replaced', {
        id: 'self_service_flow_replaced',
        reason: 'An error occured, please use the new flow.',
        extra: { use_flow_id: flow.id },
      });
  return forwardError(ctx, s.request, '', err, {
    json: true,
    ...(setCookie ? { headers: { 'set-cookie': setCookie } } : {}),
  });
}

/**
 * The link in the mail (GET ?flow=&code=), as Kratos's handleLinkClick: the code is put into the
 * form and the browser that opened the link gets a fresh CSRF token bound to the flow — the code is
 * *not* used by the GET, so a mail scanner following links cannot consume it.
 */
async function openLink(s: Submission, code: string): Promise<Response> {
  const { ctx, flow } = s;
  const fresh = s.csrf.issue(new Request('http://csrf.invalid/'));
  flow.csrf_token = fresh.secret;
  const ui = uiOf(flow);
  for (const node of ui.nodes) {
    const attributes = node.attributes as { name?: string; value?: unknown };
    if (attributes.name === 'csrf_token') attributes.value = fresh.masked;
    if (attributes.name === 'code' && /^\d{1,32}$/.test(code)) attributes.value = code;
  }
  flow.body.updated_at = ctx.clock.now().toISOString();
  await ctx.persister.updateFlow(flow);
  const headers = fresh.setCookie ? { 'set-cookie': fresh.setCookie } : undefined;
  return redirect(flowUIURL(ctx, flow), 303, headers);
}

async function replaceExpired(s: Submission): Promise<Response> {
  const { ctx, flow: expired } = s;
  const now = ctx.clock.now();
  const message = verificationText.verificationFlowExpired(new Date(expired.expires_at), now);
  const { flow, setCookie } = await replacementFlow(
    ctx,
    s.csrf,
    'verification',
    s.request,
    s.flow,
    message,
  );
  const headers = setCookie ? { 'set-cookie': setCookie } : undefined;
  if (!s.asJSON) return redirect(flowUIURL(ctx, flow), 303, headers);
  return forwardError(ctx, s.request, '', expiredOnSubmit(expired, flow, now), {
    json: true,
    ...(headers ? { headers } : {}),
  });
}

async function sendCode(s: Submission, rawEmail: unknown): Promise<Response> {
  const { ctx, flow } = s;
  const email = normaliseAddress(rawEmail);
  if (!email || !looksLikeEmail(email)) {
    const ui = uiOf(flow);
    const csrfMasked = flow.type === 'browser' ? s.csrf.remask(flow.csrf_token) : '';
    ui.nodes = chooseMethodNodes('verification', {
      ...(csrfMasked ? { csrfMasked } : {}),
      ...(typeof rawEmail === 'string' ? { email: rawEmail } : {}),
    });
    delete ui.messages;
    attachMessage(
      ui,
      'email',
      email ? validationText.invalidEmail(String(rawEmail)) : validationText.required('email'),
    );
    return saveAndRespond(ctx, s.request, flow);
  }
  const identity = await findIdentityByAddress(ctx, 'verification', email);
  await sendVerificationCode(ctx, s.csrf, flow, email, identity);
  return saveAndRespond(ctx, s.request, flow, 200);
}

/** passed_challenge: Kratos replaces the form by a "Continue" link to the return URL. */
function showSuccess(ctx: ServerContext, flow: FlowRecord): void {
  const returnTo = returnToOf(ctx, flow);
  flow.body.state = 'passed_challenge';
  flow.body.ui = {
    action: returnTo,
    method: 'GET',
    nodes: [continueLinkNode(returnTo)],
    messages: [verificationText.verificationSuccessful()],
  };
}

async function useCode(s: Submission, code: unknown): Promise<Response> {
  const { ctx, flow } = s;
  const result = checkChallenge(ctx, flow, code);
  if (result === 'too_often') {
    await ctx.persister.updateFlow(flow);
    return retry(s, validationText.submittedTooOften());
  }
  if (result === 'expired') {
    await ctx.persister.updateFlow(flow);
    const at = new Date(challengeOf(flow)!.expires_at);
    return retry(s, verificationText.verificationFlowExpired(at, ctx.clock.now()), at);
  }
  if (result === 'wrong') {
    const ui = uiOf(flow);
    ui.messages = [verificationText.verificationCodeInvalid()];
    for (const n of ui.nodes) n.messages = [];
    return respond(s, 200);
  }
  if (!(await ctx.persister.consumeFlow(flow.id, ctx.clock.now().toISOString()))) {
    return retry(s, verificationText.verificationRetrySuccess());
  }
  const challenge = challengeOf(flow)!;
  await markVerified(ctx, challenge.identity_id!, challenge.address);
  ctx.log('info', 'address verified', { identity_id: challenge.identity_id, flow_id: flow.id });
  showSuccess(ctx, flow);
  return respond(s, 200);
}

function respond(s: Submission, status: number): Promise<Response> {
  if (s.asJSON) return saveAndRespond(s.ctx, s.request, s.flow, status);
  // Form posts and emailed links land on the verification UI, which shows the flow's state.
  s.flow.body.updated_at = s.ctx.clock.now().toISOString();
  return s.ctx.persister.updateFlow(s.flow).then(() => redirect(flowUIURL(s.ctx, s.flow), 303));
}

export function submitVerification(ctx: ServerContext, csrf: CSRFProtection, via: 'form' | 'link') {
  return async ({ request, url, requestId }: RouteContext): Promise<Response> => {
    let asJSON = via === 'form' && isJSONRequest(request);
    try {
      const id = url.searchParams.get('flow');
      if (!isUUID(id)) throw badRequest('The flow query parameter is missing or malformed.');
      const flow = await loadFlow(ctx, 'verification', id);
      asJSON = asJSON || (via === 'form' && flow.type === 'api');
      const s: Submission = { ctx, csrf, request, flow, asJSON };
      if (isExpired(ctx, flow)) return await replaceExpired(s);
      if (via === 'link') {
        if (flow.consumed_at || flow.body.state === 'passed_challenge') {
          return await retry(s, verificationText.verificationRetrySuccess());
        }
        return await openLink(s, url.searchParams.get('code') ?? '');
      }
      const { data: body } = await parseBody(request, ctx.config.body_limit_bytes);
      const code = typeof body.code === 'string' ? body.code : '';
      // Kratos: `method` may be left out when a code is sent.
      if ((body.method ?? (code ? 'code' : undefined)) !== 'code') {
        throw badRequest(
          'Could not find a strategy to verify your account with. Did you fill out the form correctly?',
        );
      }
      if (flow.consumed_at || flow.body.state === 'passed_challenge') {
        return await retry(s, verificationText.verificationRetrySuccess());
      }
      // Kratos checks neither the CSRF token nor the API-flow origin for a code: the code is the
      // secret, and a link opened in a browser may finish a flow an app started.
      if (code) return await useCode(s, code);
      if (
        flow.type === 'browser' &&
        !csrf.submissionMatches(request, flow.csrf_token, body.csrf_token)
      ) {
        throw csrfViolation();
      }
      if (flow.type === 'api' && request.headers.has('origin')) {
        throw badRequest('You are not allowed to use API flows from the browser.');
      }
      return await sendCode(s, body.email);
    } catch (err) {
      return forwardError(ctx, request, requestId, err, { json: asJSON });
    }
  };
}

// POST /self-service/verification?flow=<id> (method `code`) and the emailed link
// GET /self-service/verification?flow=<id>&code=<code> (Kratos strategy/code/strategy_verification.go).
import type { ServerContext } from '../../context.ts';
import { badRequest } from '../../http/errors.ts';
import { parseBody } from '../../http/body.ts';
import { redirect } from '../../http/respond.ts';
import type { RouteContext } from '../../http/router.ts';
import type { FlowRecord } from '../../persistence/types.ts';
import type { CSRFProtection } from '../csrf.ts';
import { forwardError } from '../errors/manager.ts';
import { csrfViolation, expiredOnSubmit, isExpired, loadFlow, uiOf } from '../flow/lifecycle.ts';
import { isJSONRequest, isUUID } from '../flow/negotiation.ts';
import { flowUIURL, saveAndRespond } from '../flow/respond.ts';
import { returnToOf } from '../flow/success.ts';
import { attachMessage } from '../nodes.ts';
import {
  createAddressFlow,
  findIdentityByAddress,
  looksLikeEmail,
  normaliseAddress,
  retryWithMessage,
} from '../recovery/address-flow.ts';
import { challengeOf, checkChallenge } from '../recovery/challenge.ts';
import { chooseMethodNodes, continueLinkNode } from '../recovery/nodes.ts';
import { texts } from '../recovery/texts.ts';
import { markVerified, sendVerificationCode } from './send.ts';

interface Submission {
  ctx: ServerContext;
  csrf: CSRFProtection;
  request: Request;
  flow: FlowRecord;
  /** False for the emailed link: a browser is always answered with a redirect to the UI. */
  asJSON: boolean;
}

const retry = (s: Submission, message: Parameters<typeof retryWithMessage>[5]) =>
  retryWithMessage(s.ctx, s.csrf, 'verification', s.request, s.flow, message);

async function replaceExpired(s: Submission): Promise<Response> {
  const { ctx, flow: expired } = s;
  const now = ctx.clock.now();
  const returnTo = typeof expired.body.return_to === 'string' ? expired.body.return_to : undefined;
  const { flow, setCookie } = createAddressFlow(ctx, s.csrf, 'verification', {
    type: expired.type,
    request: s.request,
    requestPath: `/self-service/verification/${expired.type}`,
    ...(returnTo ? { returnTo } : {}),
    messages: [texts.verificationFlowExpired(new Date(expired.expires_at), now)],
  });
  await ctx.persister.createFlow(flow);
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
      email ? texts.invalidEmail(String(rawEmail)) : texts.required('email'),
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
    messages: [texts.verificationSuccessful()],
  };
}

async function useCode(s: Submission, code: unknown): Promise<Response> {
  const { ctx, flow } = s;
  const result = checkChallenge(ctx, flow, code);
  if (result === 'too_often') {
    await ctx.persister.updateFlow(flow);
    return retry(s, texts.submittedTooOften());
  }
  if (result === 'expired') {
    await ctx.persister.updateFlow(flow);
    const at = new Date(challengeOf(flow)!.expires_at);
    return retry(s, texts.verificationFlowExpired(at, ctx.clock.now()));
  }
  if (result === 'wrong') {
    const ui = uiOf(flow);
    ui.messages = [texts.verificationCodeInvalid()];
    for (const n of ui.nodes) n.messages = [];
    return respond(s, 200);
  }
  if (!(await ctx.persister.consumeFlow(flow.id, ctx.clock.now().toISOString()))) {
    return retry(s, texts.verificationRetrySuccess());
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
          return await retry(s, texts.verificationRetrySuccess());
        }
        return await useCode(s, url.searchParams.get('code'));
      }
      const { data: body } = await parseBody(request, ctx.config.body_limit_bytes);
      if (body.method !== 'code') {
        throw badRequest(
          'Could not find a strategy to verify your account with. Did you fill out the form correctly?',
        );
      }
      if (
        flow.type === 'browser' &&
        !csrf.submissionMatches(request, flow.csrf_token, body.csrf_token)
      ) {
        throw csrfViolation();
      }
      if (flow.type === 'api' && request.headers.has('origin')) {
        throw badRequest('You are not allowed to use API flows from the browser.');
      }
      if (flow.consumed_at || flow.body.state === 'passed_challenge') {
        return await retry(s, texts.verificationRetrySuccess());
      }
      const email = typeof body.email === 'string' ? body.email : '';
      if (flow.body.state === 'sent_email' && !email) return await useCode(s, body.code);
      return await sendCode(s, body.email);
    } catch (err) {
      return forwardError(ctx, request, requestId, err, { json: asJSON });
    }
  };
}

// POST /self-service/recovery?flow=<id> with method `code` (Kratos selfservice/strategy/code/
// strategy_recovery.go): an email starts (or re-sends) the challenge, a code answers it.
// The answer to an email is the same whether or not the address exists (no enumeration).
import type { ServerContext } from '../../driver/context.ts';
import { badRequest } from '../../http/errors.ts';
import { parseBody } from '../../http/body.ts';
import { redirect } from '../../http/respond.ts';
import type { RouteContext } from '../../http/router.ts';
import type { FlowRecord } from '../../persistence/types.ts';
import { resolveSession } from '../../session/manager.ts';
import type { CSRFProtection } from '../flow/csrf.ts';
import { forwardError } from '../errors/manager.ts';
import { csrfViolation, expiredOnSubmit, isExpired, loadFlow } from '../flow/lifecycle.ts';
import { isJSONRequest } from '../../http/negotiation.ts';
import { flowUIURL, saveAndRespond } from '../flow/respond.ts';
import {
  addressMethod,
  replacementFlow,
  findIdentityByAddress,
  looksLikeEmail,
  normaliseAddress,
  retryWithMessage,
} from '../strategy/code/address-flow.ts';
import { checkChallenge, issueChallenge } from '../strategy/code/challenge.ts';
import { alreadyLoggedIn } from '../strategy/code/address-routes.ts';
import { chooseMethodNodes, sentEmailNodes } from '../strategy/code/nodes.ts';
import { completeRecovery } from './success.ts';
import { uiOf, attachMessage } from '../../ui/container.ts';
import { isUUID, publicURL, withQuery } from '../../http/url.ts';
import { recoveryText, validationText } from '../../text/index.ts';

export interface RecoverySubmission {
  ctx: ServerContext;
  csrf: CSRFProtection;
  request: Request;
  flow: FlowRecord;
  body: Record<string, unknown>;
  clientAddress: string | undefined;
}

const remasked = (s: RecoverySubmission) =>
  s.flow.type === 'browser' && s.flow.csrf_token ? s.csrf.remask(s.flow.csrf_token) : undefined;

/** Expired flow: a new one with 4060005 (JSON: 410 self_service_flow_expired + use_flow_id). */
async function replaceExpired(s: RecoverySubmission, asJSON: boolean): Promise<Response> {
  const { ctx, flow: expired } = s;
  const now = ctx.clock.now();
  const message = recoveryText.recoveryFlowExpired(new Date(expired.expires_at), now);
  const { flow, setCookie } = await replacementFlow(
    ctx,
    s.csrf,
    'recovery',
    s.request,
    expired,
    message,
  );
  const headers = setCookie ? { 'set-cookie': setCookie } : undefined;
  if (!asJSON) return redirect(flowUIURL(ctx, flow), 303, headers);
  return forwardError(ctx, s.request, '', expiredOnSubmit(expired, flow, now), {
    json: true,
    ...(headers ? { headers } : {}),
  });
}

async function sendCode(s: RecoverySubmission, rawEmail: unknown): Promise<Response> {
  const { ctx, flow } = s;
  const email = normaliseAddress(rawEmail);
  const ui = uiOf(flow);
  if (!email || !looksLikeEmail(email)) {
    ui.nodes = chooseMethodNodes('recovery', {
      ...(remasked(s) ? { csrfMasked: remasked(s)! } : {}),
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
  const identity = await findIdentityByAddress(ctx, 'recovery', email);
  const method = addressMethod(ctx, 'recovery');
  const { code, token, expiresAt } = issueChallenge(ctx, flow, {
    address: email,
    ...(identity ? { identityId: identity.id } : {}),
    withToken: method === 'link',
  });
  const minutes = Math.round((expiresAt.getTime() - ctx.clock.now().getTime()) / 60_000);
  const { notify_unknown_recipients: notifyUnknown } = ctx.config.selfservice.flows.recovery;
  const { courier } = ctx;
  if (identity && method === 'link') {
    // Kratos's link strategy: a link on the public base URL that GET /self-service/recovery redeems.
    const url = withQuery(publicURL(ctx.config.serve.public.base_url, '/self-service/recovery'), {
      flow: flow.id,
      token: token!,
    });
    await courier.queueEmail('recovery_valid', { to: email, url, expiresInMinutes: minutes });
  } else if (identity) {
    await courier.queueEmail('recovery_code_valid', { to: email, code, expiresInMinutes: minutes });
  } else if (notifyUnknown) {
    await courier.queueEmail(method === 'link' ? 'recovery_invalid' : 'recovery_code_invalid', {
      to: email,
    });
  }
  flow.body.state = 'sent_email';
  flow.body.active = method;
  const csrfMasked = remasked(s);
  if (method === 'link') {
    ui.nodes = chooseMethodNodes('recovery', {
      ...(csrfMasked ? { csrfMasked } : {}),
      email,
      method,
    });
    ui.messages = [recoveryText.recoveryLinkSent()];
  } else {
    ui.nodes = sentEmailNodes('recovery', { ...(csrfMasked ? { csrfMasked } : {}), email });
    ui.messages = [recoveryText.recoveryCodeSent()];
  }
  return saveAndRespond(ctx, s.request, flow, 200);
}

async function useCode(s: RecoverySubmission, asJSON: boolean): Promise<Response> {
  const { ctx, flow } = s;
  const result = checkChallenge(ctx, flow, s.body.code);
  if (result === 'too_often') {
    await ctx.persister.updateFlow(flow);
    return retryWithMessage(
      ctx,
      s.csrf,
      'recovery',
      s.request,
      flow,
      validationText.submittedTooOften(),
    );
  }
  if (result === 'expired') {
    await ctx.persister.updateFlow(flow);
    const at = new Date(String((flow.internal.challenge as { expires_at: string }).expires_at));
    return retryWithMessage(
      ctx,
      s.csrf,
      'recovery',
      s.request,
      flow,
      recoveryText.recoveryFlowExpired(at, ctx.clock.now()),
    );
  }
  const ui = uiOf(flow);
  if (result === 'wrong') {
    ui.messages = [recoveryText.recoveryCodeInvalid()];
    for (const node of ui.nodes) node.messages = [];
    return saveAndRespond(ctx, s.request, flow, 200);
  }
  // The code is single-use: exactly one concurrent submit may turn it into a session; for the
  // others it is "invalid or already used", as a used code is in Kratos.
  if (!(await ctx.persister.consumeFlow(flow.id, ctx.clock.now().toISOString()))) {
    return codeAlreadyUsed(s);
  }
  return completeRecovery(s, asJSON);
}

/**
 * A code sent to a flow whose code was used (Kratos recoveryUseCode → ErrCodeNotFound): 4060006
 * on that same flow, 200 for JSON, back to the UI for a form post. The stored flow is re-read so a
 * concurrent winner's state and continue_with are kept.
 */
async function codeAlreadyUsed(s: RecoverySubmission): Promise<Response> {
  const flow = (await s.ctx.persister.getFlow(s.flow.id)) ?? s.flow;
  uiOf(flow).messages = [recoveryText.recoveryCodeInvalid()];
  return saveAndRespond(s.ctx, s.request, flow, 200);
}

export function submitRecovery(ctx: ServerContext, csrf: CSRFProtection) {
  return async ({ request, url, requestId, clientAddress }: RouteContext): Promise<Response> => {
    let asJSON = isJSONRequest(request);
    try {
      const id = url.searchParams.get('flow');
      if (!isUUID(id)) throw badRequest('The flow query parameter is missing or malformed.');
      const flow = await loadFlow(ctx, 'recovery', id);
      asJSON = asJSON || flow.type === 'api';
      const { data: body } = await parseBody(request, ctx.config.body_limit_bytes);
      const s: RecoverySubmission = { ctx, csrf, request, flow, body, clientAddress };
      if (isExpired(ctx, flow)) return await replaceExpired(s, asJSON);
      const method = addressMethod(ctx, 'recovery');
      // Admin-made flows always take a code (Kratos: the code strategy's admin endpoint).
      if (body.method !== method && !(body.method === 'code' && flow.internal.skip_csrf === true)) {
        throw badRequest(
          'Could not find a strategy to recover your account with. Did you fill out the form correctly?',
        );
      }
      const skipCSRF = flow.internal.skip_csrf === true;
      if (
        flow.type === 'browser' &&
        !skipCSRF &&
        !csrf.submissionMatches(request, flow.csrf_token, body.csrf_token)
      ) {
        throw csrfViolation();
      }
      if (flow.type === 'api' && request.headers.has('origin')) {
        throw badRequest('You are not allowed to use API flows from the browser.');
      }
      const finished = flow.consumed_at || flow.body.state === 'passed_challenge';
      // Kratos: without an email the body is a code; a finished flow's code is used up.
      if (finished && body.method === 'code' && !body.email) return await codeAlreadyUsed(s);
      if (finished) {
        return await retryWithMessage(
          ctx,
          csrf,
          'recovery',
          request,
          flow,
          recoveryText.recoveryRetrySuccess(),
        );
      }
      const email = typeof body.email === 'string' ? body.email : '';
      if (flow.body.state === 'sent_email' && !email && body.method === 'code') {
        return await useCode(s, asJSON);
      }
      if (await resolveSession(ctx, request)) {
        if (asJSON) throw alreadyLoggedIn();
        return redirect(ctx.config.selfservice.default_browser_return_url, 303);
      }
      return await sendCode(s, body.email);
    } catch (err) {
      return forwardError(ctx, request, requestId, err, { json: asJSON });
    }
  };
}

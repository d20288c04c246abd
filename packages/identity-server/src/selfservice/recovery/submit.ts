// POST /self-service/recovery?flow=<id> with method `code` (Kratos selfservice/strategy/code/
// strategy_recovery.go): an email starts (or re-sends) the challenge, a code answers it.
// The answer to an email is the same whether or not the address exists (no enumeration).
import type { ServerContext } from '../../driver/context.ts';
import { badRequest, KratosError } from '../../http/errors.ts';
import { redirect } from '../../http/respond.ts';
import { resolveSession } from '../../session/manager.ts';
import { recoveryText, validationText } from '../../text/index.ts';
import { uiOf } from '../../ui/container.ts';
import type { CSRFProtection } from '../flow/csrf.ts';
import { forwardError } from '../errors/manager.ts';
import { saveAndRespond } from '../flow/respond.ts';
import { submitHandler, type FlowStrategy, type SubmitMethod } from '../flow/submit.ts';
import type { Submission } from '../flow/submission.ts';
import {
  addressMethod,
  createAddressFlow,
  replacementFlow,
  findIdentityByAddress,
  looksLikeEmail,
  normaliseAddress,
  rejectAddress,
  retryWithMessage,
} from '../strategy/code/address-flow.ts';
import { alreadyLoggedIn } from '../strategy/code/address-routes.ts';
import { checkChallenge } from '../strategy/code/challenge.ts';
import { sendRecoveryCode } from '../strategy/code/code-sender.ts';
import { chooseMethodNodes, sentEmailNodes } from '../strategy/code/nodes.ts';
import { completeRecovery } from './success.ts';

const remasked = (s: Submission) =>
  s.flow.type === 'browser' && s.flow.csrf_token ? s.csrf.remask(s.flow.csrf_token) : undefined;

/** Expired flow: a new one with 4060005 (the pipeline answers 303, or 410 + use_flow_id). */
function replaceExpired(s: Submission) {
  const { ctx, flow: expired } = s;
  const message = recoveryText.recoveryFlowExpired(new Date(expired.expires_at), ctx.clock.now());
  return replacementFlow(s, message);
}

async function sendCode(s: Submission, rawEmail: unknown): Promise<Response> {
  const { ctx, flow } = s;
  const email = normaliseAddress(rawEmail);
  if (!email || !looksLikeEmail(email)) return rejectAddress(s, 'recovery', rawEmail, remasked(s));
  const identity = await findIdentityByAddress(ctx, 'recovery', email);
  const method = addressMethod(ctx, 'recovery');
  await sendRecoveryCode(ctx, flow, { address: email, identity, method });
  flow.body.state = 'sent_email';
  flow.body.active = method;
  const csrfMasked = remasked(s);
  const ui = uiOf(flow);
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
  // Kratos's code strategy echoes the submitted transient_payload ({} when none) with the flow.
  return saveAndRespond(ctx, s.request, flow, 200, { transientPayload: s.body.transient_payload });
}

async function useCode(s: Submission): Promise<Response> {
  const { ctx, flow } = s;
  const result = checkChallenge(ctx, flow, s.body.code);
  if (result === 'too_often') {
    await ctx.persister.updateFlow(flow);
    return retryWithMessage(s, validationText.submittedTooOften());
  }
  if (result === 'expired') {
    await ctx.persister.updateFlow(flow);
    const at = new Date(String((flow.internal.challenge as { expires_at: string }).expires_at));
    return retryWithMessage(s, recoveryText.recoveryFlowExpired(at, ctx.clock.now()));
  }
  const ui = uiOf(flow);
  if (result === 'wrong') {
    ui.messages = [recoveryText.recoveryCodeInvalid()];
    for (const node of ui.nodes) node.messages = [];
    return saveAndRespond(ctx, s.request, flow, 200, {
      transientPayload: s.body.transient_payload,
    });
  }
  // The code is single-use: exactly one concurrent submit may turn it into a session; for the
  // others it is "invalid or already used", as a used code is in Kratos.
  if (!(await ctx.persister.consumeFlow(flow.id, ctx.clock.now().toISOString()))) {
    return codeAlreadyUsed(s);
  }
  return completeRecovery(s);
}

/**
 * A code sent to a flow whose code was used (Kratos recoveryUseCode → ErrCodeNotFound): 4060006
 * on that same flow, 200 for JSON, back to the UI for a form post. The stored flow is re-read so a
 * concurrent winner's state and continue_with are kept.
 */
async function codeAlreadyUsed(s: Submission): Promise<Response> {
  const flow = (await s.ctx.persister.getFlow(s.flow.id)) ?? s.flow;
  uiOf(flow).messages = [recoveryText.recoveryCodeInvalid()];
  return saveAndRespond(s.ctx, s.request, flow, 200);
}

/**
 * The `code` (or `link`) method. Kratos: without an email the body is a code; a finished flow's
 * code is used up; while signed in, no recovery is started.
 */
const recoveryMethod: SubmitMethod = {
  // Admin-made flows carry no CSRF cookie (Kratos: the code strategy's admin endpoint).
  checksCSRF: (s) => s.flow.internal.skip_csrf !== true,
  async handle(s) {
    const { ctx, flow, body } = s;
    const finished = flow.consumed_at || flow.body.state === 'passed_challenge';
    if (finished && s.method === 'code' && !body.email) return codeAlreadyUsed(s);
    if (finished) {
      const message = recoveryText.recoveryRetrySuccess();
      return retryWithMessage(s, message);
    }
    const email = typeof body.email === 'string' ? body.email : '';
    if (flow.body.state === 'sent_email' && !email && s.method === 'code') return useCode(s);
    if (await resolveSession(ctx, s.request)) {
      if (s.json) throw alreadyLoggedIn();
      return redirect(ctx.config.selfservice.default_browser_return_url, 303);
    }
    return sendCode(s, body.email);
  },
};

/** Kratos strategy.IsDisabled / flow.MethodEnabledAndAllowed: a method turned off in the config. */
export function endpointDisabled(): KratosError {
  return new KratosError(404, 'The requested resource could not be found', {
    reason:
      'This endpoint was disabled by system administrator. Please check your url or contact the system administrator to enable it.',
  });
}

export const recoveryStrategy: FlowStrategy = {
  kind: 'recovery',
  replaceExpired,
  methodFor(s) {
    // A recovery method turned off in the config answers 404 (Kratos flow.MethodEnabledAndAllowed
    // → herodot.ErrNotFound with its "endpoint was disabled" reason), before the CSRF check
    // (shared/ory/kratos/transcripts/recovery-code.json#16).
    if (
      (s.method === 'link' || s.method === 'code') &&
      !s.ctx.config.selfservice.methods[s.method].enabled
    ) {
      throw endpointDisabled();
    }
    const configured = addressMethod(s.ctx, 'recovery');
    const adminCode = s.method === 'code' && s.flow.internal.skip_csrf === true;
    return s.method === configured || adminCode ? recoveryMethod : undefined;
  },
  noMethod() {
    throw badRequest(
      'Could not find a strategy to recover your account with. Did you fill out the form correctly?',
    );
  },
  // Kratos's code strategy: "the flow is most likely FUBAR" — it abandons it for a new browser
  // flow made with CSRFHandler().RegenerateToken, so the answer carries a new CSRF cookie and the
  // old flow no longer matches it (shared/ory/kratos/transcripts/recovery-code.json#10-11).
  async csrfViolated(s, err) {
    const { flow, setCookie } = createAddressFlow(s.ctx, s.csrf, 'recovery', {
      type: 'browser',
      request: s.request,
      requestPath: '/self-service/recovery/browser',
      csrfIssue: s.csrf.regenerate(),
    });
    await s.ctx.persister.createFlow(flow);
    const headers = setCookie ? { 'set-cookie': setCookie } : undefined;
    return forwardError(s.ctx, s.request, s.requestId, err, {
      json: s.json,
      ...(headers ? { headers } : {}),
    });
  },
};

export function submitRecovery(ctx: ServerContext, csrf: CSRFProtection) {
  return submitHandler(ctx, csrf, recoveryStrategy);
}

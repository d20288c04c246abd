// POST /self-service/verification?flow=<id> (method `code`) and the emailed link
// GET /self-service/verification?flow=<id>&code=<code> (Kratos strategy/code/strategy_verification.go).
import type { ServerContext } from '../../driver/context.ts';
import { KratosError } from '../../http/errors.ts';
import { redirect } from '../../http/respond.ts';
import type { FlowRecord } from '../../persistence/types.ts';
import { nodeText, validationText, verificationText, type UIText } from '../../text/index.ts';
import { uiOf } from '../../ui/container.ts';
import { csrfNode, inputNode } from '../../ui/node.ts';
import type { CSRFProtection } from '../flow/csrf.ts';
import { forwardError } from '../errors/manager.ts';
import { expiredOnSubmit, touchFlow } from '../flow/lifecycle.ts';
import { flowUIURL, saveAndRespond } from '../flow/respond.ts';
import { submitHandler, type FlowStrategy, type SubmitMethod } from '../flow/submit.ts';
import type { Submission } from '../flow/submission.ts';
import { returnToOf } from '../flow/success.ts';
import { afterWebHooks } from '../../config/hooks.ts';
import { runHooksReportingErrors } from '../hook/web-hook.ts';
import {
  replacementFlow,
  findIdentityByAddress,
  looksLikeEmail,
  normaliseAddress,
  rejectAddress,
  retryWithMessage,
} from '../strategy/code/address-flow.ts';
import { challengeOf, checkChallenge } from '../strategy/code/challenge.ts';
import { markVerified, sendVerificationCode } from '../strategy/code/code-sender.ts';
import { continueLinkNode } from '../strategy/code/nodes.ts';
import { answerOAuth2Continue, oauth2ContinueURL } from './oauth2-continue.ts';

/**
 * A new flow carrying `message` (Kratos retryVerificationFlowWith{Message,Error}): browsers go to
 * its UI; JSON clients get 410 — self_service_flow_expired for an expired code, otherwise
 * self_service_flow_replaced — with `use_flow_id`.
 */
async function retry(s: Submission, message: UIText, codeExpiredAt?: Date): Promise<Response> {
  if (!s.json) return retryWithMessage(s, message);
  const { ctx, flow: old } = s;
  const { flow, setCookie } = await replacementFlow(s, message);
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
  touchFlow(ctx, flow);
  await ctx.persister.updateFlow(flow);
  const headers = fresh.setCookie ? { 'set-cookie': fresh.setCookie } : undefined;
  return redirect(flowUIURL(ctx, flow), 303, headers);
}

function replaceExpired(s: Submission) {
  const { ctx, flow: expired } = s;
  const message = verificationText.verificationFlowExpired(
    new Date(expired.expires_at),
    ctx.clock.now(),
  );
  return replacementFlow(s, message);
}

async function sendCode(s: Submission, rawEmail: unknown): Promise<Response> {
  const { ctx, flow } = s;
  const email = normaliseAddress(rawEmail);
  if (!email) {
    const csrfMasked = flow.type === 'browser' ? s.csrf.remask(flow.csrf_token) : '';
    return rejectAddress(s, 'verification', rawEmail, csrfMasked);
  }
  // Kratos's code strategy takes an address that is no email for a phone number: the flow goes
  // to sent_email with 1080004 ("a text message … has been sent") and nothing is sent to an
  // address no identity has (shared/ory/kratos/transcripts/verification-code.json).
  const isEmail = looksLikeEmail(email);
  const identity = isEmail ? await findIdentityByAddress(ctx, 'verification', email) : undefined;
  await sendVerificationCode(ctx, s.csrf, flow, email, identity, { quiet: !isEmail });
  if (!isEmail) uiOf(flow).messages = [verificationText.verificationSMSCodeSent()];
  return saveAndRespond(ctx, s.request, flow, 200);
}

/**
 * passed_challenge: Kratos replaces the form by a "Continue" link to the return URL, and sets the
 * flow's CSRF token again (ory/kratos#1547), so the form keeps its csrf_token node. A browser flow
 * carrying Hydra's login challenge continues to its own submit URL instead, which accepts it.
 */
function showSuccess(s: Submission): void {
  const { ctx, flow } = s;
  const returnTo = oauth2ContinueURL(ctx, flow) ?? returnToOf(ctx, flow, 'code');
  flow.body.state = 'passed_challenge';
  flow.body.ui = {
    action: returnTo,
    method: 'GET',
    nodes: [
      // The requester's own token (Kratos: flow.GetCSRFToken for this request), never the flow's:
      // a code is accepted from any client, and the flow's secret is the registering browser's.
      csrfNode(requesterCSRF(s)),
      continueLinkNode(returnTo),
    ],
    messages: [verificationText.verificationSuccessful()],
  };
}

function requesterCSRF(s: Submission): string {
  if (s.flow.type !== 'browser') return '';
  const own = s.csrf.secretFrom(s.request);
  return own ? s.csrf.remask(own.toString('base64')) : '';
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
    // Kratos's code strategy echoes the submitted transient_payload ({} when none) here.
    if (s.json) {
      return saveAndRespond(ctx, s.request, flow, 200, {
        transientPayload: s.body.transient_payload,
      });
    }
    return respond(s, 200);
  }
  if (!(await ctx.persister.consumeFlow(flow.id, ctx.clock.now().toISOString()))) {
    return retry(s, verificationText.verificationRetrySuccess());
  }
  const challenge = challengeOf(flow)!;
  await markVerified(ctx, challenge.identity_id!, challenge.address);
  ctx.log('info', 'address verified', { identity_id: challenge.identity_id, flow_id: flow.id });
  await runHooksReportingErrors(ctx, afterWebHooks(ctx.config, 'verification'));
  showSuccess(s);
  return respond(s, 200);
}

function respond(s: Submission, status: number): Promise<Response> {
  if (s.json) return saveAndRespond(s.ctx, s.request, s.flow, status);
  // Form posts and emailed links land on the verification UI, which shows the flow's state.
  touchFlow(s.ctx, s.flow);
  return s.ctx.persister.updateFlow(s.flow).then(() => redirect(flowUIURL(s.ctx, s.flow), 303));
}

const finished = (flow: FlowRecord): boolean =>
  !!flow.consumed_at || flow.body.state === 'passed_challenge';
const codeOf = (s: Submission): string => (typeof s.body.code === 'string' ? s.body.code : '');

/**
 * The `code` method: a code answers the challenge, an email (re)sends one. Kratos checks neither
 * the CSRF token nor the API-flow origin for a code — the code is the secret, and a link opened in
 * a browser may finish a flow an app started — nor for a flow that is already finished.
 */
const codeMethod: SubmitMethod = {
  checksCSRF: (s) => !codeOf(s) && !finished(s.flow),
  checksOrigin: (s) => !codeOf(s) && !finished(s.flow),
  handle(s) {
    if (finished(s.flow)) return retry(s, verificationText.verificationRetrySuccess());
    const code = codeOf(s);
    return code ? useCode(s, code) : sendCode(s, s.body.email);
  },
};

const verificationStrategy: FlowStrategy = {
  kind: 'verification',
  replaceExpired,
  // A finished flow carrying Hydra's login challenge: its Continue accepts it (oauth2-continue.ts).
  beforeBody: answerOAuth2Continue,
  // Kratos: `method` may be left out when a code is sent.
  methodFor: (s) =>
    (s.body.method ?? (codeOf(s) ? 'code' : undefined)) === 'code' ? codeMethod : undefined,
  // Kratos: the flow again (400) with 4010006 added to its messages, and — as every flow error
  // re-render does (ui.SetCSRF) — a csrf_token node (shared/ory/kratos/transcripts/verification-code.json).
  noMethod(s) {
    const ui = uiOf(s.flow);
    ui.messages = [...(ui.messages ?? []), verificationText.verificationNoStrategy()];
    // The code strategy looked at the body first and refused it (handleVerificationError): it
    // upserts an email input holding what was sent, in place of the "resend" button.
    const email = inputNode(
      'code',
      {
        name: 'email',
        type: 'email',
        value: typeof s.body.email === 'string' ? s.body.email : '',
        required: true,
      },
      nodeText.emailLabel(),
    );
    const at = ui.nodes.findIndex((n) => n.group === 'code' && n.attributes.name === 'email');
    if (at >= 0) ui.nodes[at] = email;
    else ui.nodes.push(email);
    if (!ui.nodes.some((n) => n.attributes.name === 'csrf_token')) {
      ui.nodes.push(csrfNode(s.flow.type === 'browser' ? s.csrf.remask(s.flow.csrf_token) : ''));
    }
    return saveAndRespond(s.ctx, s.request, s.flow, 400);
  },
};

/** The emailed link (GET ?flow=&code=): always a browser, answered with redirects, no body. */
const linkStrategy: FlowStrategy = {
  ...verificationStrategy,
  answersJSON: false,
  async beforeBody(s) {
    // The Continue of a finished flow carrying Hydra's challenge is this GET without a code.
    const toHydra = s.url.searchParams.has('code') ? undefined : await answerOAuth2Continue(s);
    if (toHydra) return toHydra;
    if (finished(s.flow)) return retry(s, verificationText.verificationRetrySuccess());
    return openLink(s, s.url.searchParams.get('code') ?? '');
  },
};

export function submitVerification(ctx: ServerContext, csrf: CSRFProtection, via: 'form' | 'link') {
  return submitHandler(ctx, csrf, via === 'form' ? verificationStrategy : linkStrategy);
}

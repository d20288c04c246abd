// What recovery and verification share (Kratos selfservice/flow/{recovery,verification}): flows
// started from an address, the "disabled" and "retry with a message" answers, and finding the
// identity an address belongs to.
import type { ServerContext, UIText } from '../../../driver/context.ts';
import type { KratosError } from '../../../http/errors.ts';
import { badRequest } from '../../../http/errors.ts';
import { redirect } from '../../../http/respond.ts';
import type { FlowRecord, Identity } from '../../../persistence/types.ts';
import type { CSRFIssue, CSRFProtection } from '../../flow/csrf.ts';
import { buildFlow } from '../../flow/lifecycle.ts';
import { isJSONRequest } from '../../../http/negotiation.ts';
import { flowUIURL } from '../../flow/respond.ts';
import { chooseMethodNodes } from './nodes.ts';
import { saveAndRespond } from '../../flow/respond.ts';
import type { Submission } from '../../flow/submission.ts';
import { validationText } from '../../../text/index.ts';
import { attachMessage, uiOf } from '../../../ui/container.ts';
import { publicURL } from '../../../http/url.ts';

export type AddressFlowKind = 'recovery' | 'verification';

export function flowDisabled(kind: AddressFlowKind): KratosError {
  const name = kind === 'recovery' ? 'Recovery' : 'Verification';
  return badRequest(`${name} is not allowed because it was disabled.`);
}

/** Emails are compared lower-cased and trimmed, as Kratos stores them. */
export function normaliseAddress(raw: unknown): string {
  return typeof raw === 'string' ? raw.trim().toLowerCase() : '';
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;
export const looksLikeEmail = (value: string): boolean => EMAIL.test(value) && value.length <= 320;

/**
 * The identity whose recovery (or verifiable) address is `address`. Identities are found through
 * their credential identifiers (the email is the password identifier in Kratos's default schemas),
 * then the address itself is checked on the identity.
 */
export async function findIdentityByAddress(
  ctx: ServerContext,
  kind: AddressFlowKind,
  address: string,
): Promise<Identity | undefined> {
  if (!address) return undefined;
  const identity =
    (await ctx.persister.findIdentityByCredentialIdentifier('password', address)) ??
    (await ctx.persister.findIdentityByCredentialIdentifier('code', address));
  if (!identity) return undefined;
  const addresses =
    kind === 'recovery' ? identity.recovery_addresses : identity.verifiable_addresses;
  return addresses.some((a) => a.value.toLowerCase() === address) ? identity : undefined;
}

/** The configured method (`selfservice.flows.<kind>.use`); verification supports `code` only. */
export function addressMethod(ctx: ServerContext, kind: AddressFlowKind): 'code' | 'link' {
  return kind === 'recovery' && ctx.config.selfservice.flows.recovery.use === 'link'
    ? 'link'
    : 'code';
}

export interface NewAddressFlow {
  type: 'browser' | 'api';
  request: Request;
  /** Path and query shown as request_url. */
  requestPath: string;
  returnTo?: string;
  messages?: UIText[];
  /** Use this CSRF secret (e.g. one just regenerated) instead of the request's cookie. */
  csrfIssue?: CSRFIssue;
  lifespanMs?: number;
}

export function createAddressFlow(
  ctx: ServerContext,
  csrf: CSRFProtection,
  kind: AddressFlowKind,
  init: NewAddressFlow,
): { flow: FlowRecord; setCookie?: string } {
  const issue = init.type === 'browser' ? (init.csrfIssue ?? csrf.issue(init.request)) : undefined;
  const method = addressMethod(ctx, kind);
  const flow = buildFlow(ctx, {
    kind,
    type: init.type,
    requestPath: init.requestPath,
    ...(init.returnTo ? { returnTo: init.returnTo } : {}),
    ...(issue ? { csrfSecret: issue.secret } : {}),
    nodes: chooseMethodNodes(kind, { ...(issue ? { csrfMasked: issue.masked } : {}), method }),
    ...(init.messages ? { messages: init.messages } : {}),
    extra: { active: method },
  });
  if (init.lifespanMs !== undefined) {
    flow.expires_at = new Date(ctx.clock.now().getTime() + init.lifespanMs).toISOString();
    flow.body.expires_at = flow.expires_at;
  }
  return { flow, ...(issue?.setCookie ? { setCookie: issue.setCookie } : {}) };
}

/** A new, stored flow of the same kind, type and return_to as the submitted one, showing `message`. */
export async function replacementFlow(
  s: Submission,
  message: UIText,
): Promise<{ flow: FlowRecord; setCookie?: string }> {
  const { ctx, flow: old } = s;
  // Only recovery and verification flows are submitted through these strategies.
  const kind = old.kind as AddressFlowKind;
  const returnTo = typeof old.body.return_to === 'string' ? old.body.return_to : undefined;
  const replacement = createAddressFlow(ctx, s.csrf, kind, {
    type: old.type,
    request: s.request,
    // Kratos's retry<Kind>Flow creates it with CSRFHandler().RegenerateToken: a new cookie.
    ...(old.type === 'browser' ? { csrfIssue: s.csrf.regenerate() } : {}),
    requestPath: `/self-service/${kind}/${old.type}`,
    ...(returnTo ? { returnTo } : {}),
    messages: [message],
  });
  await ctx.persister.createFlow(replacement.flow);
  return replacement;
}

/**
 * Kratos's retry<Kind>FlowWithMessage: a fresh flow carrying `message`; browsers go to its UI,
 * JSON clients are sent (303) to GET /self-service/<kind>/flows?id=<new>.
 */
export async function retryWithMessage(s: Submission, message: UIText): Promise<Response> {
  const { ctx } = s;
  const { flow, setCookie } = await replacementFlow(s, message);
  const headers = setCookie ? { 'set-cookie': setCookie } : undefined;
  if (s.flow.type === 'api' || isJSONRequest(s.request)) {
    const base = ctx.config.serve.public.base_url;
    return redirect(
      publicURL(base, `/self-service/${flow.kind}/flows?id=${flow.id}`),
      303,
      headers,
    );
  }
  return redirect(flowUIURL(ctx, flow), 303, headers);
}

/**
 * A missing or malformed email: the choose_method form again, keeping what was typed, with
 * 4000002 or 4000040 on the email node (400, or back to the UI).
 */
export function rejectAddress(
  s: Submission,
  kind: AddressFlowKind,
  rawEmail: unknown,
  csrfMasked: string | undefined,
): Promise<Response> {
  const ui = uiOf(s.flow);
  ui.nodes = chooseMethodNodes(kind, {
    ...(csrfMasked ? { csrfMasked } : {}),
    ...(typeof rawEmail === 'string' ? { email: rawEmail } : {}),
  });
  delete ui.messages;
  // Kratos's email format error on these forms is 4000040 "Enter a valid email address"
  // (shared/ory/kratos/transcripts/recovery-code.json).
  const message = normaliseAddress(rawEmail)
    ? validationText.email(String(rawEmail))
    : validationText.required('email');
  attachMessage(ui, 'email', message);
  return saveAndRespond(s.ctx, s.request, s.flow);
}

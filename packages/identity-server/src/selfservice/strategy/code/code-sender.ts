// Sending codes (Kratos strategy/code/code_sender.go). A verification code (SendVerificationCode): the mail
// carries the 6-digit code and a link that submits it (GET /self-service/verification?code=&flow=)
// on the *public base URL* — behind Vestibule's edge that is the edge's own origin, never the
// identity server's port. The address moves to status `sent`.
import type { ServerContext } from '../../../driver/context.ts';
import type { FlowRecord, Identity } from '../../../persistence/types.ts';
import type { CSRFProtection } from '../../flow/csrf.ts';
import { issueChallenge } from './challenge.ts';
import { sentEmailNodes } from './nodes.ts';
import { uiOf } from '../../../ui/container.ts';
import { publicURL, withQuery } from '../../../http/url.ts';
import { verificationText } from '../../../text/index.ts';

/** Issues a code on `flow` for `address`, mails it (or the unknown-address notice), moves the flow to sent_email. */
export async function sendVerificationCode(
  ctx: ServerContext,
  csrf: CSRFProtection,
  flow: FlowRecord,
  address: string,
  identity: Identity | undefined,
  options: { quiet?: boolean } = {},
): Promise<void> {
  const { code, expiresAt } = issueChallenge(ctx, flow, {
    address,
    ...(identity ? { identityId: identity.id } : {}),
  });
  const minutes = Math.round((expiresAt.getTime() - ctx.clock.now().getTime()) / 60_000);
  if (identity) {
    const url = withQuery(
      publicURL(ctx.config.serve.public.base_url, '/self-service/verification'),
      // Kratos builds it with url.Values.Encode, which sorts the keys: code before flow.
      { code, flow: flow.id },
    );
    ctx.courier.queueEmailAfterResponse('verification_code_valid', {
      to: address,
      code,
      url,
      expiresInMinutes: minutes,
    });
    await markSent(ctx, identity, address);
  } else if (
    !options.quiet &&
    ctx.config.selfservice.flows.verification.notify_unknown_recipients
  ) {
    ctx.courier.queueEmailAfterResponse('verification_code_invalid', { to: address });
  }
  const csrfMasked =
    flow.type === 'browser' && flow.csrf_token ? csrf.remask(flow.csrf_token) : undefined;
  flow.body.state = 'sent_email';
  flow.body.active = 'code';
  const ui = uiOf(flow);
  ui.nodes = sentEmailNodes('verification', {
    ...(csrfMasked ? { csrfMasked } : {}),
    email: address,
  });
  ui.messages = [verificationText.verificationCodeSent()];
}

async function markSent(ctx: ServerContext, identity: Identity, address: string): Promise<void> {
  const at = ctx.clock.now().toISOString();
  let changed = false;
  for (const va of identity.verifiable_addresses) {
    if (va.value.toLowerCase() === address && va.status === 'pending') {
      Object.assign(va, { status: 'sent', updated_at: at });
      changed = true;
    }
  }
  if (changed) await ctx.persister.updateIdentity(identity);
}

/** Marks `address` verified on the identity (Kratos: verified, status completed, verified_at). */
export async function markVerified(ctx: ServerContext, identityId: string, address: string) {
  const identity = await ctx.persister.getIdentity(identityId);
  if (!identity) return undefined;
  const at = ctx.clock.now().toISOString();
  for (const va of identity.verifiable_addresses) {
    if (va.value.toLowerCase() === address && !va.verified) {
      Object.assign(va, { verified: true, status: 'completed', verified_at: at, updated_at: at });
    }
  }
  await ctx.persister.updateIdentity(identity);
  return identity;
}

/**
 * Kratos SendRecoveryCode (and the link strategy's SendRecoveryLink): a challenge on the flow and
 * the mail for it — the code, or a link on the public base URL that GET /self-service/recovery
 * redeems; an unknown address gets the "invalid" mail only with notify_unknown_recipients. The
 * mail is rendered and queued after the response (queueEmailAfterResponse), so a known address
 * answers as fast as an unknown one.
 */
export async function sendRecoveryCode(
  ctx: ServerContext,
  flow: FlowRecord,
  options: { address: string; identity: Identity | undefined; method: 'code' | 'link' },
): Promise<void> {
  const { address: to, identity, method } = options;
  const { code, token, expiresAt } = issueChallenge(ctx, flow, {
    address: to,
    ...(identity ? { identityId: identity.id } : {}),
    withToken: method === 'link',
  });
  const expiresInMinutes = Math.round((expiresAt.getTime() - ctx.clock.now().getTime()) / 60_000);
  if (identity && method === 'link') {
    const base = publicURL(ctx.config.serve.public.base_url, '/self-service/recovery');
    const url = withQuery(base, { flow: flow.id, token: token! });
    ctx.courier.queueEmailAfterResponse('recovery_valid', { to, url, expiresInMinutes });
  } else if (identity) {
    ctx.courier.queueEmailAfterResponse('recovery_code_valid', { to, code, expiresInMinutes });
  } else if (ctx.config.selfservice.flows.recovery.notify_unknown_recipients) {
    const type = method === 'link' ? 'recovery_invalid' : 'recovery_code_invalid';
    ctx.courier.queueEmailAfterResponse(type, { to });
  }
}

// Support-driven recovery (Kratos createRecoveryCodeForIdentity / createRecoveryLinkForIdentity):
//   POST /admin/recovery/code {identity_id, expires_in?} → 201 {recovery_link, recovery_code, expires_at}
//   POST /admin/recovery/link {identity_id, expires_in?} → 200 {recovery_link, expires_at}
// Both create a browser recovery flow that skips the CSRF check (there is no browser cookie yet,
// Kratos: DangerousSkipCSRFCheck) and whose code does not mark an address verified.
import type { ServerContext } from '../../driver/context.ts';
import { parseGoDuration } from '../../config/duration.ts';
import { badRequest, notFound } from '../../http/errors.ts';
import { parseBody } from '../../http/body.ts';
import { json } from '../../http/respond.ts';
import type { RouteContext, Router } from '../../http/router.ts';
import { CSRFProtection } from '../flow/csrf.ts';
import { flowUIURL } from '../flow/respond.ts';
import { checkReturnTo } from '../flow/return-to.ts';
import { createAddressFlow } from '../strategy/code/address-flow.ts';
import { issueChallenge } from '../strategy/code/challenge.ts';
import { sentEmailNodes } from '../strategy/code/nodes.ts';
import { isUUID, publicURL, withQuery } from '../../http/url.ts';
import { uiOf } from '../../ui/container.ts';
import { endpointDisabled } from './submit.ts';

function expiresIn(ctx: ServerContext, raw: unknown): number {
  if (raw === undefined || raw === null || raw === '') {
    return ctx.config.selfservice.methods.code.lifespan_ms;
  }
  const ms = typeof raw === 'string' ? parseGoDuration(raw) : undefined;
  if (ms === undefined) {
    throw badRequest(
      `Unable to parse "expires_in" whose format should match "[0-9]+(ns|us|ms|s|m|h)" but did not: ${String(raw)}`,
    );
  }
  if (ms <= 0)
    throw badRequest(`Value from "expires_in" must result to a future time: ${String(raw)}`);
  return ms;
}

async function prepare(ctx: ServerContext, csrf: CSRFProtection, rc: RouteContext) {
  const { data } = await parseBody(rc.request, ctx.config.body_limit_bytes);
  if (!isUUID(data.identity_id as string)) {
    throw badRequest('identity_id must be the UUID of an identity.');
  }
  const lifespanMs = expiresIn(ctx, data.expires_in);
  const identity = await ctx.persister.getIdentity(String(data.identity_id).toLowerCase());
  if (!identity) throw notFound('The requested identity id does not exist.');
  const returnTo = checkReturnTo(ctx.config, rc.url.searchParams.get('return_to'));
  const address = identity.recovery_addresses[0]?.value ?? '';
  const { flow } = createAddressFlow(ctx, csrf, 'recovery', {
    type: 'browser',
    request: new Request('http://admin.invalid/'),
    requestPath: '/self-service/recovery/browser',
    ...(returnTo ? { returnTo } : {}),
    lifespanMs,
  });
  flow.csrf_token = '';
  flow.internal = { ...flow.internal, skip_csrf: true };
  flow.body.state = 'sent_email';
  uiOf(flow).nodes = sentEmailNodes('recovery', { email: address }).filter(
    (n) => n.attributes.name !== 'email', // nothing to re-send to: the admin hands the code over
  );
  return { identity, flow, lifespanMs };
}

export function registerAdminRecoveryRoutes(router: Router, ctx: ServerContext): void {
  const csrf = new CSRFProtection(ctx.config);
  router.on('POST', '/admin/recovery/code', async (rc) => {
    const { identity, flow, lifespanMs } = await prepare(ctx, csrf, rc);
    const { code, expiresAt } = issueChallenge(ctx, flow, {
      address: identity.recovery_addresses[0]?.value ?? '',
      identityId: identity.id,
      origin: 'admin',
      lifespanMs,
    });
    await ctx.persister.createFlow(flow);
    ctx.log('info', 'admin created a recovery code', {
      identity_id: identity.id,
      flow_id: flow.id,
    });
    return json(
      {
        recovery_link: flowUIURL(ctx, flow),
        recovery_code: code,
        expires_at: expiresAt.toISOString(),
      },
      201,
    );
  });

  router.on('POST', '/admin/recovery/link', async (rc) => {
    // Kratos wraps this route in strategy.IsDisabled: with the `link` method off it is a 404
    // before the body is read.
    if (!ctx.config.selfservice.methods.link.enabled) throw endpointDisabled();
    const { identity, flow, lifespanMs } = await prepare(ctx, csrf, rc);
    const { token, expiresAt } = issueChallenge(ctx, flow, {
      address: identity.recovery_addresses[0]?.value ?? '',
      identityId: identity.id,
      origin: 'admin',
      lifespanMs,
      withToken: true,
    });
    await ctx.persister.createFlow(flow);
    ctx.log('info', 'admin created a recovery link', {
      identity_id: identity.id,
      flow_id: flow.id,
    });
    const base = ctx.config.serve.public.base_url;
    const link = withQuery(publicURL(base, '/self-service/recovery'), {
      flow: flow.id,
      token: token!,
    });
    return json({ recovery_link: link, expires_at: expiresAt.toISOString() });
  });
}

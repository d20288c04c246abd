// GET /self-service/settings/{browser,api} and …/flows?id= (Kratos settings/handler.go).
import type { ServerContext } from '../../driver/context.ts';
import { json, redirect } from '../../http/respond.ts';
import type { RouteContext } from '../../http/router.ts';
import { resolveSession } from '../../session/manager.ts';
import { publicIdentity } from '../../session/wire.ts';
import type { CSRFProtection } from '../flow/csrf.ts';
import { forwardError } from '../errors/manager.ts';
import { expiredOnFetch, isExpired, loadFlow } from '../flow/lifecycle.ts';
import { isJSONRequest } from '../../http/negotiation.ts';
import { newFlowResponse } from '../flow/respond.ts';
import { checkReturnTo } from '../flow/return-to.ts';
import { fetchedBySomeoneElse, sessionInactive } from './access.ts';
import { createSettingsFlow } from './flow.ts';
import { setNodeValue } from '../../ui/container.ts';
import { publicURL } from '../../http/url.ts';
import { beforeWebHooks } from '../../config/hooks.ts';
import { runHooksReportingErrors } from '../hook/web-hook.ts';

export function initSettingsFlow(
  ctx: ServerContext,
  csrf: CSRFProtection,
  type: 'browser' | 'api',
) {
  return async ({ request, url, requestId }: RouteContext): Promise<Response> => {
    const asJSON = type === 'api' || isJSONRequest(request);
    try {
      const returnTo = checkReturnTo(ctx.config, url.searchParams.get('return_to'));
      const session = await resolveSession(ctx, request);
      if (!session) {
        if (asJSON) throw sessionInactive();
        // Kratos sends the browser to the plain login initialisation, without a return_to
        // (shared/ory/kratos/transcripts/settings.json#14).
        return redirect(
          publicURL(ctx.config.serve.public.base_url, '/self-service/login/browser'),
          303,
        );
      }
      await runHooksReportingErrors(ctx, beforeWebHooks(ctx.config, 'settings'));
      const created = createSettingsFlow(ctx, csrf, {
        type,
        request,
        identity: session.identity,
        session: session.session,
        requestPath: url.pathname + url.search,
        ...(returnTo ? { returnTo } : {}),
      });
      await ctx.persister.createFlow(created.flow);
      return newFlowResponse(ctx, created, asJSON);
    } catch (err) {
      return forwardError(ctx, request, requestId, err, { json: asJSON });
    }
  };
}

/**
 * The flow is shown to its own identity only, with the identity as it is now. A browser flow is
 * re-bound to the browser's current CSRF secret: signing in again (the refresh login Kratos asks
 * for) regenerates that secret, and the flow already belongs to this session's identity.
 */
export function fetchSettingsFlow(ctx: ServerContext, csrf: CSRFProtection) {
  return async ({ request, url }: RouteContext): Promise<Response> => {
    const flow = await loadFlow(ctx, 'settings', url.searchParams.get('id'));
    const session = await resolveSession(ctx, request);
    if (!session) throw sessionInactive();
    if (session.identity.id !== flow.identity_id) throw fetchedBySomeoneElse();
    if (isExpired(ctx, flow)) throw expiredOnFetch(ctx, flow);
    const secret =
      flow.type === 'browser' ? csrf.secretFrom(request)?.toString('base64') : undefined;
    if (secret && secret !== flow.csrf_token) {
      flow.csrf_token = secret;
      setNodeValue(flow, 'csrf_token', csrf.remask(secret));
      await ctx.persister.updateFlow(flow);
    }
    return json({ ...flow.body, identity: publicIdentity(ctx, session.identity) });
  };
}

// GET /self-service/{recovery,verification}/{browser,api} and …/flows?id= (Kratos
// selfservice/flow/{recovery,verification}/handler.go).
import type { ServerContext } from '../../../driver/context.ts';
import { KratosError } from '../../../http/errors.ts';
import { json, redirect } from '../../../http/respond.ts';
import type { RouteContext } from '../../../http/router.ts';
import { resolveSession } from '../../../session/manager.ts';
import type { CSRFProtection } from '../../flow/csrf.ts';
import { forwardError } from '../../errors/manager.ts';
import { csrfViolation, expiredOnFetch, isExpired, loadFlow } from '../../flow/lifecycle.ts';
import { isJSONRequest } from '../../../http/negotiation.ts';
import { newFlowResponse } from '../../flow/respond.ts';
import { checkReturnTo } from '../../flow/return-to.ts';
import { createAddressFlow, flowDisabled, type AddressFlowKind } from './address-flow.ts';
import { beforeWebHooks } from '../../../config/hooks.ts';
import { runHooksReportingErrors } from '../../hook/web-hook.ts';

/** Kratos recovery.ErrAlreadyLoggedIn: recovering while signed in makes no sense. */
export function alreadyLoggedIn(): KratosError {
  return new KratosError(400, 'The request was malformed or contained invalid parameters', {
    id: 'session_already_available',
    reason: 'A valid session was detected and thus recovery is not possible.',
  });
}

export function initAddressFlow(
  ctx: ServerContext,
  csrf: CSRFProtection,
  kind: AddressFlowKind,
  type: 'browser' | 'api',
) {
  return async ({ request, url, requestId }: RouteContext): Promise<Response> => {
    const asJSON = type === 'api' || isJSONRequest(request);
    try {
      if (!ctx.config.selfservice.flows[kind].enabled) throw flowDisabled(kind);
      const returnTo = checkReturnTo(ctx.config, url.searchParams.get('return_to'));
      if (kind === 'recovery' && (await resolveSession(ctx, request))) {
        if (asJSON) throw alreadyLoggedIn();
        return redirect(returnTo ?? ctx.config.selfservice.default_browser_return_url, 303);
      }
      await runHooksReportingErrors(ctx, beforeWebHooks(ctx.config, kind));
      const created = createAddressFlow(ctx, csrf, kind, {
        type,
        request,
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

/** GET …/flows?id=: browser flows need their CSRF cookie, except admin-made ones (no cookie exists). */
export function fetchAddressFlow(ctx: ServerContext, csrf: CSRFProtection, kind: AddressFlowKind) {
  return async ({ request, url }: RouteContext): Promise<Response> => {
    const flow = await loadFlow(ctx, kind, url.searchParams.get('id'));
    const skipCSRF = flow.internal.skip_csrf === true;
    if (flow.type === 'browser' && !skipCSRF && !csrf.cookieMatches(request, flow.csrf_token)) {
      throw csrfViolation(csrf.rejectionDetails(request, 'absent'));
    }
    if (isExpired(ctx, flow)) throw expiredOnFetch(ctx, flow);
    return json(flow.body);
  };
}

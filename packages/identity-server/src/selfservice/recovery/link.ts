// GET /self-service/recovery?flow=<id>&token=<token>: a recovery link (Kratos strategy/link
// recoveryUseToken). Opened from an email or a support ticket, so it always answers a browser:
// success goes to the settings UI, anything else to a fresh recovery flow with 4060004/4060005.
import type { ServerContext } from '../../driver/context.ts';
import { badRequest } from '../../http/errors.ts';
import type { RouteContext } from '../../http/router.ts';
import type { CSRFProtection } from '../flow/csrf.ts';
import { forwardError } from '../errors/manager.ts';
import { isExpired, loadFlow } from '../flow/lifecycle.ts';
import { retryWithMessage } from '../strategy/code/address-flow.ts';
import { checkChallenge } from '../strategy/code/challenge.ts';
import { submissionOf } from '../flow/submission.ts';
import { completeRecovery } from './success.ts';
import { isUUID } from '../../http/url.ts';
import { recoveryText, type UIText } from '../../text/index.ts';

export function recoverWithLink(ctx: ServerContext, csrf: CSRFProtection) {
  return async (route: RouteContext): Promise<Response> => {
    const { request, url, requestId } = route;
    try {
      const id = url.searchParams.get('flow');
      const token = url.searchParams.get('token');
      if (!isUUID(id) || !token)
        throw badRequest('The recovery link is missing its flow or token.');
      const flow = await loadFlow(ctx, 'recovery', id);
      const s = submissionOf({ ctx, csrf }, route, flow, false);
      // A link is opened by a browser, whatever client started the flow.
      const retry = (message: UIText) =>
        retryWithMessage({ ...s, flow: { ...flow, type: 'browser' } }, message);
      if (isExpired(ctx, flow)) {
        return await retry(
          recoveryText.recoveryFlowExpired(new Date(flow.expires_at), ctx.clock.now()),
        );
      }
      const result = checkChallenge(ctx, flow, token, 'token');
      await ctx.persister.updateFlow(flow);
      if (result === 'expired') {
        const at = new Date(String((flow.internal.challenge as { expires_at: string }).expires_at));
        return await retry(recoveryText.recoveryFlowExpired(at, ctx.clock.now()));
      }
      if (result !== 'ok' || flow.consumed_at)
        return await retry(recoveryText.recoveryTokenInvalid());
      if (!(await ctx.persister.consumeFlow(flow.id, ctx.clock.now().toISOString()))) {
        return await retry(recoveryText.recoveryTokenInvalid());
      }
      return await completeRecovery(s);
    } catch (err) {
      return forwardError(ctx, request, requestId, err, { json: false });
    }
  };
}

// Recovery routes (Kratos selfservice/flow/recovery/handler.go + strategy/code).
import type { ServerContext } from '../../driver/context.ts';
import type { Router } from '../../http/router.ts';
import { CSRFProtection } from '../flow/csrf.ts';
import { fetchAddressFlow, initAddressFlow } from '../strategy/code/address-routes.ts';
import { recoverWithLink } from './link.ts';
import { submitRecovery } from './submit.ts';

export function registerRecoveryRoutes(
  router: Router,
  ctx: ServerContext,
  csrf: CSRFProtection = new CSRFProtection(ctx.config),
): void {
  router
    .on('GET', '/self-service/recovery/browser', initAddressFlow(ctx, csrf, 'recovery', 'browser'))
    .on('GET', '/self-service/recovery/api', initAddressFlow(ctx, csrf, 'recovery', 'api'))
    .on('GET', '/self-service/recovery/flows', fetchAddressFlow(ctx, csrf, 'recovery'))
    .on('POST', '/self-service/recovery', submitRecovery(ctx, csrf))
    // Recovery links (admin-issued, or the `link` method): GET …?flow=<id>&token=<token>.
    .on('GET', '/self-service/recovery', recoverWithLink(ctx, csrf));
}

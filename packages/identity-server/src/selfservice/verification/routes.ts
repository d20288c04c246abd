// Verification routes (Kratos selfservice/flow/verification/handler.go + strategy/code).
import type { ServerContext } from '../../driver/context.ts';
import type { Router } from '../../http/router.ts';
import { CSRFProtection } from '../flow/csrf.ts';
import { fetchAddressFlow, initAddressFlow } from '../strategy/code/address-routes.ts';
import { submitVerification } from './submit.ts';

export function registerVerificationRoutes(
  router: Router,
  ctx: ServerContext,
  csrf: CSRFProtection = new CSRFProtection(ctx.config),
): void {
  router
    .on(
      'GET',
      '/self-service/verification/browser',
      initAddressFlow(ctx, csrf, 'verification', 'browser'),
    )
    .on('GET', '/self-service/verification/api', initAddressFlow(ctx, csrf, 'verification', 'api'))
    .on('GET', '/self-service/verification/flows', fetchAddressFlow(ctx, csrf, 'verification'))
    .on('POST', '/self-service/verification', submitVerification(ctx, csrf, 'form'))
    // The link in the verification email submits the code with a GET.
    .on('GET', '/self-service/verification', submitVerification(ctx, csrf, 'link'));
}

// Login routes (Kratos selfservice/flow/login/handler.go).
import type { ServerContext } from '../../driver/context.ts';
import type { Router } from '../../http/router.ts';
import { loginText } from '../../text/index.ts';
import type { CSRFProtection } from '../flow/csrf.ts';
import { fetchHandler, initHandler } from '../flow/init.ts';
import { kindStrategy } from '../flow/kind-strategy.ts';
import { submitHandler } from '../flow/submit.ts';
import { isSecondFactorFlow, loginSpec } from './spec.ts';
import { submitLoginPassword } from './submit.ts';

const loginStrategy = kindStrategy({
  ...loginSpec,
  expiredMessage: loginText.loginFlowExpired,
  noStrategyMessage: loginText.loginNoStrategy,
  retrySuccessMessage: loginText.loginRetrySuccess,
  submitPassword: submitLoginPassword,
  acceptsPassword: (s) => !isSecondFactorFlow(s.flow.body.requested_aal),
});

export function registerLoginRoutes(
  router: Router,
  ctx: ServerContext,
  csrf: CSRFProtection,
): void {
  router
    .on('GET', '/self-service/login/browser', initHandler(ctx, csrf, loginSpec, 'browser'))
    .on('GET', '/self-service/login/api', initHandler(ctx, csrf, loginSpec, 'api'))
    .on('GET', '/self-service/login/flows', fetchHandler(ctx, csrf, 'login'))
    .on('POST', '/self-service/login', submitHandler(ctx, csrf, loginStrategy));
}

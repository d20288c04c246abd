// Registration routes (Kratos selfservice/flow/registration/handler.go).
import type { ServerContext } from '../../driver/context.ts';
import type { Router } from '../../http/router.ts';
import { registrationText } from '../../text/index.ts';
import type { CSRFProtection } from '../flow/csrf.ts';
import { fetchHandler, initHandler } from '../flow/init.ts';
import { kindStrategy } from '../flow/kind-strategy.ts';
import { submitHandler } from '../flow/submit.ts';
import { registrationSpec } from './spec.ts';
import { submitRegistrationPassword } from './submit.ts';
import { submitRegistrationProfile } from './profile.ts';

const registrationStrategy = kindStrategy({
  ...registrationSpec,
  expiredMessage: registrationText.registrationFlowExpired,
  noStrategyMessage: registrationText.registrationNoStrategy,
  retrySuccessMessage: registrationText.registrationRetrySuccess,
  submitPassword: submitRegistrationPassword,
  otherMethods: (s) =>
    s.method === 'profile' && s.ctx.config.selfservice.flows.registration.style === 'profile_first'
      ? { handle: submitRegistrationProfile }
      : undefined,
});

export function registerRegistrationRoutes(
  router: Router,
  ctx: ServerContext,
  csrf: CSRFProtection,
): void {
  router
    .on(
      'GET',
      '/self-service/registration/browser',
      initHandler(ctx, csrf, registrationSpec, 'browser'),
    )
    .on('GET', '/self-service/registration/api', initHandler(ctx, csrf, registrationSpec, 'api'))
    .on('GET', '/self-service/registration/flows', fetchHandler(ctx, csrf, 'registration'))
    .on('POST', '/self-service/registration', submitHandler(ctx, csrf, registrationStrategy));
}

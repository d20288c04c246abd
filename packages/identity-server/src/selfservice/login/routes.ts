// Login routes (Kratos selfservice/flow/login/handler.go).
import type { ServerContext } from '../../driver/context.ts';
import type { Router } from '../../http/router.ts';
import { loginText } from '../../text/index.ts';
import type { CSRFProtection } from '../flow/csrf.ts';
import { fetchHandler, initHandler } from '../flow/init.ts';
import { kindStrategy } from '../flow/kind-strategy.ts';
import { rejectWithMessage, submitHandler, type SubmitMethod } from '../flow/submit.ts';
import type { Submission } from '../flow/submission.ts';
import { submitLoginIdentifierFirst } from '../strategy/idfirst/login.ts';
import { IDENTIFIER_FIRST } from '../strategy/idfirst/nodes.ts';
import { identifierFirst, isSecondFactorFlow, loginSpec } from './spec.ts';
import { submitLoginPassword } from './submit.ts';

const loginStrategy = kindStrategy({
  ...loginSpec,
  expiredMessage: loginText.loginFlowExpired,
  noStrategyMessage: loginText.loginNoStrategy,
  retrySuccessMessage: loginText.loginRetrySuccess,
  submitPassword: submitLoginPassword,
  acceptsPassword: (s) => !isSecondFactorFlow(s.flow.body.requested_aal),
  otherMethods: (s) => (s.method === IDENTIFIER_FIRST ? identifierFirstMethod(s) : undefined),
});

/**
 * `method=identifier_first` is served only in that style and for a first factor (Kratos: not
 * responsible otherwise, so 4010002). A refresh flow is fixed to the signed-in identity: it is
 * not re-identified (a deliberate difference, docs/fidelity.md).
 */
function identifierFirstMethod(s: Submission): SubmitMethod | undefined {
  if (!identifierFirst(s.ctx) || isSecondFactorFlow(s.flow.body.requested_aal)) return undefined;
  if (s.flow.identity_id) return undefined;
  return {
    handle: (sub) =>
      sub.flow.consumed_at && sub.flow.type !== 'api'
        ? rejectWithMessage(sub, loginText.loginRetrySuccess())
        : submitLoginIdentifierFirst(sub),
  };
}

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

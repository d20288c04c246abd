// Login: the identifier's and the address's counters reserve an attempt before Kratos sees the
// password, and Kratos's answer settles it (a failure may start a lock; a success clears the
// identifier's failures, never an active lock).
import type { Outcome, Reservation } from './attempts.ts';
import { normaliseIdentifier } from './keys.ts';
import { outcomeOf } from './outcome.ts';
import { tooManyAttempts } from './refusals.ts';
import { auditBase, runCaptcha, type PipelineDeps, type SubmitScope } from './scope.ts';

export const LOGIN_SCOPES = { identifier: 'login:identifier', address: 'login:address' } as const;

export async function protectLogin(deps: PipelineDeps, scope: SubmitScope): Promise<Response> {
  const { counters, rules, audit } = deps.options;
  const raw = scope.fields.identifier;
  const identifier = raw ? normaliseIdentifier(raw) : undefined;
  const base = auditBase(scope, raw);
  const byIdentifier = identifier
    ? await counters.reserve(LOGIN_SCOPES.identifier, identifier, rules.login.identifier)
    : undefined;
  const byAddress =
    byIdentifier?.allowed === false
      ? undefined
      : await counters.reserve(LOGIN_SCOPES.address, scope.addressKey, rules.login.address);
  const settle = async (outcome: Outcome) => {
    const tasks: Array<Promise<{ lockedUntil?: Date }>> = [];
    if (identifier && byIdentifier?.allowed)
      tasks.push(
        counters.settle(LOGIN_SCOPES.identifier, identifier, rules.login.identifier, outcome),
      );
    // One success from a shared address must not wipe an attacker's count on it.
    if (byAddress?.allowed)
      tasks.push(
        counters.settle(
          LOGIN_SCOPES.address,
          scope.addressKey,
          rules.login.address,
          outcome === 'success' ? 'neutral' : outcome,
        ),
      );
    return Promise.all(tasks);
  };
  const refused = [byIdentifier, byAddress].find(
    (r): r is Extract<Reservation, { allowed: false }> => r?.allowed === false,
  );
  if (refused) {
    await settle('neutral');
    await audit.record({ ...base, event: 'login_locked' });
    return tooManyAttempts(scope.refusal, refused.retryAfterMs);
  }
  const failures = Math.max(
    byIdentifier?.allowed ? byIdentifier.failures : 0,
    byAddress?.allowed ? byAddress.failures : 0,
  );
  const captchaRefusal = await runCaptcha(deps, scope, loginNeedsCaptcha(deps, failures));
  if (captchaRefusal) {
    await settle('neutral');
    return captchaRefusal;
  }
  let response: Response;
  try {
    response = await scope.forward();
  } catch (err) {
    await settle('neutral');
    throw err;
  }
  const outcome = await outcomeOf(response, scope.submit, deps.options.sessionCookie);
  const result: Outcome =
    outcome.result === 'accepted'
      ? 'success'
      : outcome.result === 'refused'
        ? 'failure'
        : 'neutral';
  const settled = await settle(result);
  if (result !== 'neutral') {
    await audit.record({
      ...base,
      event: result === 'success' ? 'login_succeeded' : 'login_failed',
      identityId: outcome.identityId,
    });
  }
  if (settled.some((s) => s.lockedUntil)) await audit.record({ ...base, event: 'lockout_started' });
  return response;
}

function loginNeedsCaptcha(deps: PipelineDeps, failures: number): boolean {
  const policy = deps.options.captcha?.login;
  if (!policy || policy === 'never') return false;
  return policy === 'always' || failures >= policy.afterFailures;
}

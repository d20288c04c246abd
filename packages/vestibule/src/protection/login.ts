// Login: the identifier's and the address's counters reserve an attempt before Kratos sees the
// password, and Kratos's answer settles it (a failure may start a lock; a success clears the
// identifier's failures, never an active lock).
import type { Outcome, Reservation } from './attempts.ts';
import { normaliseIdentifier } from './keys.ts';
import { outcomeOf } from './outcome.ts';
import { lockNotice, tooManyAttempts } from './refusals.ts';
import {
  auditBase,
  identityAfter,
  runCaptcha,
  type PipelineDeps,
  type SubmitScope,
} from './scope.ts';

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
  if (result === 'failure') await audit.record({ ...base, event: 'login_failed' });
  if (result === 'success') {
    const event = { ...base, event: 'login_succeeded' as const };
    // A browser login answers with a cookie, not the session: ask whose it is (which also puts the
    // new session in the gateway's cache for the request that follows), without holding the answer.
    if (outcome.identityId) await audit.record({ ...event, identityId: outcome.identityId });
    else
      audit.recordWhen(
        identityAfter(deps, response).then((identity) => ({ ...event, identityId: identity?.id })),
      );
  }
  const lockedUntil = settled.find((s) => s.lockedUntil)?.lockedUntil;
  if (!lockedUntil) return response;
  await audit.record({ ...base, event: 'lockout_started' });
  // The failure that starts the lock already says so: Kratos's own page would invite a 6th try.
  return withLockNotice(scope, response, lockedUntil.getTime() - deps.options.now());
}

function loginNeedsCaptcha(deps: PipelineDeps, failures: number): boolean {
  const policy = deps.options.captcha?.login;
  if (!policy || policy === 'never') return false;
  return policy === 'always' || failures >= policy.afterFailures;
}

function withLockNotice(scope: SubmitScope, response: Response, lockMs: number): Response {
  if (scope.submit.wantsJSON || response.status < 300 || response.status >= 400) return response;
  const copy = new Response(response.body, response);
  copy.headers.append('set-cookie', lockNotice(scope.refusal, lockMs));
  return copy;
}

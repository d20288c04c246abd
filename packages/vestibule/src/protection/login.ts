// Login: the identifier's and the address's counters reserve an attempt before Kratos sees the
// password, and Kratos's answer settles it (a failure may start a lock; a success clears the
// identifier's failures, never an active lock).
import type { CounterRef, Outcome, Reservation } from './attempts.ts';
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
  const refs: CounterRef[] = [
    ...(identifier
      ? [{ scope: LOGIN_SCOPES.identifier, key: identifier, rule: rules.login.identifier }]
      : []),
    { scope: LOGIN_SCOPES.address, key: scope.addressKey, rule: rules.login.address },
  ];
  // One round trip for both counters (the pipeline's cost is mostly round trips to the store).
  const reservations = await counters.reserveAll(refs);
  const byIdentifier = identifier ? reservations[0] : undefined;
  const byAddress = reservations.at(-1);
  const settle = (outcome: Outcome) =>
    counters.settleAll(
      refs
        .filter((_, i) => reservations[i]!.allowed)
        // One success from a shared address must not wipe an attacker's count on it.
        .map((ref) => ({
          ...ref,
          outcome:
            ref.scope === LOGIN_SCOPES.address && outcome === 'success' ? 'neutral' : outcome,
        })),
    );
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

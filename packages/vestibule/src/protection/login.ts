// Login: the identifier's and the address's counters reserve an attempt before Kratos sees the
// password, and Kratos's answer settles it (a failure may start a lock; a success clears the
// identifier's failures, never an active lock).
import type { CounterRef, Outcome, Reservation } from './attempts.ts';
import type { AuditInput } from './audit.ts';
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
  // One round trip for both counters, before Kratos sees the password.
  const reservations = await counters.reserveAll(refs);
  const byIdentifier = identifier ? reservations[0] : undefined;
  const byAddress = reservations.at(-1);
  const granted = refs.filter((_, i) => reservations[i]!.allowed);
  // The settlement and its audit rows: one statement.
  const settle = (outcome: Outcome, events: AuditInput[]) =>
    counters.settleAll(
      granted.map((ref) => ({
        ...ref,
        // One success from a shared address must not wipe an attacker's count on it.
        outcome: ref.scope === LOGIN_SCOPES.address && outcome === 'success' ? 'neutral' : outcome,
      })),
      events.map((e) => audit.entry(e)),
    );
  // Settlements that cannot change the answer are written after it. Safe to defer: until it lands
  // the reservation still counts as an attempt in flight (stricter, never looser), and a lost one
  // expires with its TTL. Only a failure is settled before answering: it may start a lock.
  // Issued now (not after some other await), so the store sees it before the client's next request.
  const settleLater = (outcome: Outcome, events: AuditInput[]) =>
    audit.later(settle(outcome, events), []);
  const refused = [byIdentifier, byAddress].find(
    (r): r is Extract<Reservation, { allowed: false }> => r?.allowed === false,
  );
  if (refused) {
    settleLater('neutral', [{ ...base, event: 'login_locked' }]);
    return tooManyAttempts(scope.refusal, refused.retryAfterMs);
  }
  const failures = Math.max(
    byIdentifier?.allowed ? byIdentifier.failures : 0,
    byAddress?.allowed ? byAddress.failures : 0,
  );
  const captchaRefusal = await runCaptcha(deps, scope, loginNeedsCaptcha(deps, failures));
  if (captchaRefusal) {
    settleLater('neutral', []);
    return captchaRefusal;
  }
  let response: Response;
  try {
    response = await scope.forward();
  } catch (err) {
    settleLater('neutral', []);
    throw err;
  }
  const outcome = await outcomeOf(response, scope.submit, deps.options.sessionCookie);
  if (outcome.result === 'accepted') {
    const event = { ...base, event: 'login_succeeded' as const };
    if (outcome.identityId || !deps.options.identityOf) {
      settleLater('success', [{ ...event, identityId: outcome.identityId }]);
      return response;
    }
    settleLater('success', []);
    // A browser login answers with a cookie, not the session: ask whose it is (which also puts the
    // new session in the gateway's cache for the request that follows), without holding the answer.
    audit.recordWhen(
      identityAfter(deps, response).then((identity) => ({ ...event, identityId: identity?.id })),
    );
    return response;
  }
  if (outcome.result !== 'refused') {
    settleLater('neutral', []);
    return response;
  }
  const settled = await settle('failure', [{ ...base, event: 'login_failed' }]);
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

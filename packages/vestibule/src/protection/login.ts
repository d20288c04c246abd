// Login: the identifier's and the address's counters reserve an attempt before Kratos sees the
// password, and Kratos's answer settles it (a failure may start a lock; a success clears the
// identifier's failures, never an active lock).
import type { CounterRef, Outcome, Reservation } from './attempts.ts';
import type { AuditInput, AuditRow } from './audit.ts';
import { identifierSubject, normaliseIdentifier, SECOND_FACTOR_SCOPE } from './keys.ts';
import { outcomeOf } from './outcome.ts';
import { lockNotice, tooManyAttempts } from './refusals.ts';
import { credentialAwaitingSecondFactor, secondFactorSubjects } from './second-factor.ts';
import {
  auditBase,
  identityAfter,
  runCaptcha,
  type PipelineDeps,
  type SubmitScope,
} from './scope.ts';

export const LOGIN_SCOPES = {
  identifier: 'login:identifier',
  address: 'login:address',
  /** A submit without an identifier: a second factor (TOTP, lookup secret) or a refresh. */
  secondFactor: SECOND_FACTOR_SCOPE,
} as const;

export async function protectLogin(deps: PipelineDeps, scope: SubmitScope): Promise<Response> {
  const { counters, rules, audit } = deps.options;
  const raw = scope.fields.identifier;
  const identifier = raw ? normaliseIdentifier(raw) : undefined;
  const base = auditBase(scope, raw);
  // Counted like an identifier, so TOTP and lookup-secret guesses lock as passwords do.
  const subjects = identifier
    ? [{ scope: LOGIN_SCOPES.identifier, key: identifier }]
    : await secondFactorSubjects(deps, scope);
  const refs: CounterRef[] = [
    ...subjects.map((subject) => ({ ...subject, rule: rules.login.identifier })),
    { scope: LOGIN_SCOPES.address, key: scope.addressKey, rule: rules.login.address },
  ];
  // One round trip for all counters, before Kratos sees the password.
  const reservations = await counters.reserveAll(refs);
  const bySubject = reservations.slice(0, subjects.length);
  const byAddress = reservations.at(-1);
  const granted = refs.filter((_, i) => reservations[i]!.allowed);
  const settleRefs = (outcome: Outcome) =>
    granted.map((ref) => ({
      ...ref,
      // One success from a shared address must not wipe an attacker's count on it.
      outcome: ref.scope === LOGIN_SCOPES.address && outcome === 'success' ? 'neutral' : outcome,
    }));
  // The settlement and its audit rows: one statement.
  const settle = (outcome: Outcome, rows: AuditRow[]) =>
    counters.settleAll(settleRefs(outcome), rows);
  // Settlements that cannot change the answer are stored after it (see settleAfterAnswer); only a
  // failure is settled before answering: it may start a lock. Rows are made now (time, log line).
  const settleLater = (outcome: Outcome, events: AuditInput[]) => {
    const rows = events.map((e) => audit.entry(e));
    audit.later(counters.settleAfterAnswer(settleRefs(outcome), rows), rows);
  };
  const refused = [...bySubject, byAddress].find(
    (r): r is Extract<Reservation, { allowed: false }> => r?.allowed === false,
  );
  if (refused) {
    settleLater('neutral', [{ ...base, event: 'login_locked' }]);
    return tooManyAttempts(scope.refusal, refused.retryAfterMs);
  }
  const failures = Math.max(...[...bySubject, byAddress].map((r) => (r?.allowed ? r.failures : 0)));
  // Every path from here settles the reservations, a throw included: an unsettled one would keep
  // its key in memory (and counted in flight) until that key came back.
  const captchaRefusal = await runCaptcha(deps, scope, loginNeedsCaptcha(deps, failures)).catch(
    (err: unknown) => {
      settleLater('neutral', []);
      throw err;
    },
  );
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
  let outcome: Awaited<ReturnType<typeof outcomeOf>>;
  try {
    outcome = await outcomeOf(response, scope.submit, deps.options.sessionCookie);
    if (outcome.result === 'accepted' && identifier)
      await tieSecondFactor(deps, response, identifier);
  } catch (err) {
    settleLater('neutral', []);
    throw err;
  }
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
  const settled = await settle('failure', [audit.entry({ ...base, event: 'login_failed' })]);
  const lockedUntil = settled.find((s) => s.lockedUntil)?.lockedUntil;
  if (!lockedUntil) return response;
  await audit.record({ ...base, event: 'lockout_started' });
  // The failure that starts the lock already says so: Kratos's own page would invite a 6th try.
  return withLockNotice(scope, response, lockedUntil.getTime() - deps.options.now());
}

/**
 * A first factor Kratos wants a second one after: its session is tied to the identifier before the
 * answer goes out, so the very first guess from it already counts per identifier, not per session.
 */
async function tieSecondFactor(
  deps: PipelineDeps,
  response: Response,
  identifier: string,
): Promise<void> {
  const sessions = deps.options.secondFactors;
  if (!sessions) return;
  const credential = await credentialAwaitingSecondFactor(response, deps.options.sessionCookie);
  if (credential) await sessions.remember(credential, identifierSubject(identifier));
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

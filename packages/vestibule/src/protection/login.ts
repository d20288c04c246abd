// Login: the identifier's and the address's counters reserve an attempt before Kratos sees the
// password, and Kratos's answer settles it (a failure may start a lock; a success clears the
// identifier's failures, never an active lock).
import { createHash } from 'node:crypto';
import { extractCredential } from '../session/credential.ts';
import type { CounterRef, Outcome, Reservation } from './attempts.ts';
import type { AuditInput, AuditRow } from './audit.ts';
import { normaliseIdentifier } from './keys.ts';
import { outcomeOf } from './outcome.ts';
import { lockNotice, tooManyAttempts } from './refusals.ts';
import {
  auditBase,
  identityAfter,
  runCaptcha,
  whoami,
  type PipelineDeps,
  type SubmitScope,
} from './scope.ts';

export const LOGIN_SCOPES = {
  identifier: 'login:identifier',
  address: 'login:address',
  /** A submit without an identifier: a second factor (TOTP, lookup secret) or a refresh. */
  secondFactor: 'login:second-factor',
} as const;

export async function protectLogin(deps: PipelineDeps, scope: SubmitScope): Promise<Response> {
  const { counters, rules, audit } = deps.options;
  const raw = scope.fields.identifier;
  const identifier = raw ? normaliseIdentifier(raw) : undefined;
  const base = auditBase(scope, raw);
  // Counted like an identifier, so TOTP and lookup-secret guesses lock as passwords do.
  const subject = identifier
    ? { scope: LOGIN_SCOPES.identifier, key: identifier }
    : await secondFactorSubject(deps, scope);
  const refs: CounterRef[] = [
    ...(subject ? [{ ...subject, rule: rules.login.identifier }] : []),
    { scope: LOGIN_SCOPES.address, key: scope.addressKey, rule: rules.login.address },
  ];
  // One round trip for both counters, before Kratos sees the password.
  const reservations = await counters.reserveAll(refs);
  const byIdentifier = subject ? reservations[0] : undefined;
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
  const settled = await settle('failure', [audit.entry({ ...base, event: 'login_failed' })]);
  const lockedUntil = settled.find((s) => s.lockedUntil)?.lockedUntil;
  if (!lockedUntil) return response;
  await audit.record({ ...base, event: 'lockout_started' });
  // The failure that starts the lock already says so: Kratos's own page would invite a 6th try.
  return withLockNotice(scope, response, lockedUntil.getTime() - deps.options.now());
}

/**
 * Whose second factor this is: the identity when whoami answers for the first factor's session
 * (Kratos does when `session.whoami.required_aal` is aal1), else that session itself (hashed: an
 * aal1 session belongs to one identity, and a new one costs a password login, counted on its
 * identifier), else the flow. Unknown sessions are counted like known ones.
 */
async function secondFactorSubject(
  deps: PipelineDeps,
  scope: SubmitScope,
): Promise<{ scope: string; key: string } | undefined> {
  const headers = scope.request.headers;
  const credential = extractCredential(headers, { cookieName: deps.options.sessionCookie });
  if (credential) {
    const identity = await whoami(deps, headers);
    const key = identity
      ? `identity:${identity.id}`
      : `session:${createHash('sha256').update(credential.value).digest('hex').slice(0, 32)}`;
    return { scope: LOGIN_SCOPES.secondFactor, key };
  }
  const flowId = scope.submit.flowId;
  return flowId ? { scope: LOGIN_SCOPES.secondFactor, key: `flow:${flowId}` } : undefined;
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

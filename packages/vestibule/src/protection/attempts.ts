// What the lockout counts and how a decision reads: the rules, a reservation, an outcome, and the
// counters' interface. Two implementations: SharedAttemptCounters (shared-attempts.ts) decides in
// SQL for a PostgreSQL several edges share; InProcessAttemptCounters (in-process-attempts.ts)
// decides in memory for a PGlite store only this process opens, and writes through to it.
import type { AuditRow } from './audit.ts';

export interface AttemptRule {
  /** Failures (or, for plain rate limits, attempts) allowed within `windowMs`. */
  maxFailures: number;
  windowMs: number;
  /** 0: no lock, attempts are simply refused until old ones leave the window. */
  lockMs: number;
  /** The lock doubles on each repeat up to this. */
  maxLockMs: number;
}

/** An attempt in flight whose edge never settled it (crash, lost connection) stops counting. */
export const RESERVATION_TTL_MS = 2 * 60_000;

export type Reservation =
  { allowed: true; failures: number } | { allowed: false; retryAfterMs: number; locked: boolean };

export type Outcome = 'failure' | 'success' | 'neutral';

export interface Settlement {
  /** This failure started a lock lasting until then. */
  lockedUntil?: Date;
}

export interface CounterRef {
  scope: string;
  key: string;
  rule: AttemptRule;
}

/** Why a key refuses an attempt: locked, or its window is full (counting attempts in flight). */
export function refusalOf(
  state: { lockedUntilMs: number | null; oldestFailureMs: number | null },
  rule: AttemptRule,
  nowMs: number,
): Extract<Reservation, { allowed: false }> {
  const lockedUntil = state.lockedUntilMs ?? 0;
  if (lockedUntil > nowMs) {
    return { allowed: false, locked: true, retryAfterMs: lockedUntil - nowMs };
  }
  // Full window (a rate limit) or attempts in flight that will likely lock it: wait for the oldest
  // failure to leave the window, or for the lock those attempts would start.
  const oldest = state.oldestFailureMs;
  const retryAfterMs =
    oldest !== null && rule.lockMs === 0
      ? oldest + rule.windowMs - nowMs
      : rule.lockMs || rule.windowMs;
  return { allowed: false, locked: rule.lockMs > 0, retryAfterMs: Math.max(1000, retryAfterMs) };
}

/**
 * Resolves on the event loop's next check phase: after the answer in hand has been written to its
 * socket. Not a microtask: PGlite runs a statement on this thread, and started from a microtask it
 * would run before the answer is written.
 */
export function afterAnswer(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface CounterRow {
  scope: string;
  key: string;
  failures: number;
  lockedUntil: Date | null;
  lockLevel: number;
}

/** Per (scope, key): a sliding log of recent failures, attempts in flight, escalating locks. */
export interface AttemptCounters {
  /** Reserves one attempt, unless the key is locked or its window is full (counting in-flight). */
  reserve(scope: string, key: string, rule: AttemptRule): Promise<Reservation>;
  /** Several reservations at once (a login's identifier and address), in the given order. */
  reserveAll(counters: readonly CounterRef[]): Promise<Reservation[]>;
  /**
   * Releases a reservation with its outcome: a failure is logged (and may start a lock), a success
   * clears the failures but never an active lock, neutral (Kratos down, flow expired) only releases.
   * Resolves once the outcome is in the store.
   */
  settle(scope: string, key: string, rule: AttemptRule, outcome: Outcome): Promise<Settlement>;
  /** Several settlements and the audit rows that record them, written together. */
  settleAll(
    counters: ReadonlyArray<CounterRef & { outcome: Outcome }>,
    auditRows?: readonly AuditRow[],
  ): Promise<Settlement[]>;
  /**
   * settleAll for outcomes that cannot change the answer (a success, a refusal, a neutral outcome):
   * the store is written after the answer has gone out. Safe to defer: until the outcome is applied
   * the reservation still counts as an attempt in flight (stricter, never looser), and one a crash
   * loses expires with its TTL.
   */
  settleAfterAnswer(
    counters: ReadonlyArray<CounterRef & { outcome: Outcome }>,
    auditRows: readonly AuditRow[],
  ): Promise<Settlement[]>;
  /** Reserve and count at once: a plain rate limit (recovery sends, code submissions). */
  hit(scope: string, key: string, rule: AttemptRule): Promise<Reservation>;
  /** Locked keys and keys with recent failures, newest first (for `vestibule lockout list`). */
  list(scopes: readonly string[], limit?: number): Promise<CounterRow[]>;
  /** Clears a key's failures, lock and escalation; true when there was anything to clear. */
  clear(scopes: readonly string[], key: string): Promise<boolean>;
  /** Drops keys idle for longer than `idleMs` (nothing counted, nothing locked). */
  prune(idleMs: number): Promise<number>;
}

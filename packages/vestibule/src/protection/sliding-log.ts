// One counter's decisions in memory, the same rules the store's SQL functions apply
// (store/migrations.ts, `vestibule_attempt_reserve` / `vestibule_attempt_settle`): failures older
// than the window drop out, attempts in flight count against the limit until settled, a failure that
// fills the window starts a lock that doubles on each repeat (back to the base after a quiet
// `maxLockMs`), and a success clears the failures but never an active lock.
import {
  RESERVATION_TTL_MS,
  refusalOf,
  type AttemptRule,
  type Outcome,
  type Reservation,
} from './attempts.ts';

export interface CounterState {
  /** When each failure still in the window happened (ms), oldest first. */
  failures: number[];
  /** When each attempt still in flight was reserved (ms), oldest first. */
  reserved: number[];
  lockedUntil: number | null;
  /** Locks so far: the next lock lasts base × 2^level (capped). */
  lockLevel: number;
}

export function emptyCounter(): CounterState {
  return { failures: [], reserved: [], lockedUntil: null, lockLevel: 0 };
}

/** Reserves an attempt on `state` (mutated) unless the key is locked or its window is full. */
export function reserveOn(state: CounterState, rule: AttemptRule, now: number): Reservation {
  state.failures = state.failures.filter((t) => t > now - rule.windowMs);
  // A reservation whose settlement never came (it should always come in this process) stops
  // counting after the same TTL as in the store.
  state.reserved = state.reserved.filter((t) => t > now - RESERVATION_TTL_MS);
  const locked = state.lockedUntil !== null && state.lockedUntil > now;
  if (!locked && state.failures.length + state.reserved.length < rule.maxFailures) {
    state.reserved.push(now);
    return { allowed: true, failures: state.failures.length };
  }
  return refusalOf(
    { lockedUntilMs: state.lockedUntil, oldestFailureMs: state.failures[0] ?? null },
    rule,
    now,
  );
}

/**
 * Releases one reservation on `state` (mutated) with its outcome. Returns the end of the lock this
 * failure started, if it started one, and whether anything the store keeps changed.
 */
export function settleOn(
  state: CounterState,
  rule: AttemptRule,
  outcome: Outcome,
  now: number,
): { lockedUntil?: number; changed: boolean } {
  state.reserved = state.reserved.filter((t) => t > now - RESERVATION_TTL_MS).slice(1);
  const before = state.failures.length;
  state.failures =
    outcome === 'success' ? [] : state.failures.filter((t) => t > now - rule.windowMs);
  const locked = state.lockedUntil !== null && state.lockedUntil > now;
  // Only a success clearing failures changes what the store must keep (a failure that leaves the
  // window is dropped on reading as well).
  if (outcome !== 'failure' || locked) return { changed: outcome === 'success' && before > 0 };
  state.failures.push(now);
  if (rule.lockMs <= 0 || state.failures.length < rule.maxFailures) return { changed: true };
  // A lock long after the last one starts again at the base duration.
  const level =
    state.lockedUntil === null || state.lockedUntil < now - rule.maxLockMs ? 0 : state.lockLevel;
  const lockedUntil = now + Math.min(rule.lockMs * 2 ** level, rule.maxLockMs);
  state.lockedUntil = lockedUntil;
  state.lockLevel = level + 1;
  state.failures = [];
  return { lockedUntil, changed: true };
}

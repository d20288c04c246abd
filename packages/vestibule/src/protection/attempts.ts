// Attempt counters in the edge store: a sliding log of recent failures per (scope, key), attempts
// reserved before they are forwarded, and escalating locks. Every decision is ONE call of a SQL
// function (store/migrations.ts) that locks the counter's row for its duration, so concurrent
// requests on one edge, or on several edges sharing a PostgreSQL, serialise on the row: under 50
// parallel wrong passwords no more than `maxFailures` attempts are ever in flight or counted at once.
//
// Why not a rate-limiter library: the lockout needs reservations released by the outcome, locks
// that double per repeat and survive a success, and one store that is PGlite or PostgreSQL through
// Kysely; the Postgres store of rate-limiter-flexible wants a `pg` pool and a fixed window.
import { sql, type Kysely } from 'kysely';
import type { EdgeStoreDatabase } from '../store/index.ts';
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
const RESERVATION_TTL_MS = 2 * 60_000;

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

interface ReserveRow {
  i: number;
  o_allowed: boolean;
  o_failures: number;
  o_locked_until: Date | null;
  o_oldest_failure: Date | null;
}

function reservationOf(row: ReserveRow, rule: AttemptRule, nowMs: number): Reservation {
  if (row.o_allowed) return { allowed: true, failures: row.o_failures };
  const lockedUntil = row.o_locked_until ? new Date(row.o_locked_until).getTime() : 0;
  if (lockedUntil > nowMs) {
    return { allowed: false, locked: true, retryAfterMs: lockedUntil - nowMs };
  }
  // Full window (a rate limit) or attempts in flight that will likely lock it: wait for the oldest
  // failure to leave the window, or for the lock those attempts would start.
  const oldest = row.o_oldest_failure ? new Date(row.o_oldest_failure).getTime() : undefined;
  const retryAfterMs =
    oldest !== undefined && rule.lockMs === 0
      ? oldest + rule.windowMs - nowMs
      : rule.lockMs || rule.windowMs;
  return { allowed: false, locked: rule.lockMs > 0, retryAfterMs: Math.max(1000, retryAfterMs) };
}

export interface CounterRow {
  scope: string;
  key: string;
  failures: number;
  lockedUntil: Date | null;
  lockLevel: number;
}

export class AttemptCounters {
  constructor(
    private readonly db: Kysely<EdgeStoreDatabase>,
    private readonly now: () => number,
  ) {}

  /** Reserves one attempt, unless the key is locked or its window is full (counting in-flight). */
  async reserve(scope: string, key: string, rule: AttemptRule): Promise<Reservation> {
    return (await this.reserveAll([{ scope, key, rule }]))[0]!;
  }

  /**
   * Several reservations in one round trip (a login's identifier and address), in the given order
   * — always the same order, so two edges never wait on each other's rows crosswise.
   */
  async reserveAll(counters: readonly CounterRef[]): Promise<Reservation[]> {
    const now = new Date(this.now());
    const calls = counters.map(
      ({ scope, key, rule }, i) =>
        sql`SELECT ${i}::int AS i, * FROM vestibule_attempt_reserve(${scope}, ${key},
          ${now}::timestamptz, ${rule.windowMs}, ${RESERVATION_TTL_MS}, ${rule.maxFailures})`,
    );
    const result = await sql<ReserveRow>`${sql.join(calls, sql` UNION ALL `)}`.execute(this.db);
    const rows = [...result.rows].sort((a, b) => a.i - b.i);
    return rows.map((row, i) => reservationOf(row, counters[i]!.rule, now.getTime()));
  }

  /**
   * Releases a reservation with its outcome: a failure is logged (and may start a lock), a success
   * clears the failures but never an active lock, neutral (Kratos down, flow expired) only releases.
   */
  async settle(
    scope: string,
    key: string,
    rule: AttemptRule,
    outcome: Outcome,
  ): Promise<Settlement> {
    return (await this.settleAll([{ scope, key, rule, outcome }]))[0]!;
  }

  /**
   * Several settlements in one round trip, in the given order, and the audit rows that record them
   * written by the same statement: a login's decision costs the store one call, not two.
   */
  async settleAll(
    counters: ReadonlyArray<CounterRef & { outcome: Outcome }>,
    auditRows: readonly AuditRow[] = [],
  ): Promise<Settlement[]> {
    if (counters.length === 0) {
      if (auditRows.length > 0)
        await this.db
          .insertInto('vestibule_audit_events')
          .values([...auditRows])
          .execute();
      return [];
    }
    const now = new Date(this.now());
    const calls = counters.map(({ scope, key, rule, outcome }, i) =>
      sql<Date | null>`vestibule_attempt_settle(${scope}, ${key}, ${now}::timestamptz, ${outcome},
          ${rule.windowMs}, ${RESERVATION_TTL_MS}, ${rule.maxFailures}, ${rule.lockMs},
          ${rule.maxLockMs})`.as(`s${i}`),
    );
    // A data-modifying WITH runs exactly once whether or not the SELECT reads it.
    const row =
      auditRows.length > 0
        ? await this.db
            .with('audit_rows', (db) =>
              db.insertInto('vestibule_audit_events').values([...auditRows]),
            )
            .selectNoFrom(calls)
            .executeTakeFirst()
        : await this.db.selectNoFrom(calls).executeTakeFirst();
    const values = (row ?? {}) as Record<string, Date | null>;
    return counters.map((_, i) => {
      const until = values[`s${i}`];
      return until ? { lockedUntil: new Date(until) } : {};
    });
  }

  /** Reserve and count at once: a plain rate limit (recovery sends, code submissions). */
  async hit(scope: string, key: string, rule: AttemptRule): Promise<Reservation> {
    const reservation = await this.reserve(scope, key, rule);
    if (reservation.allowed) await this.settle(scope, key, rule, 'failure');
    return reservation;
  }

  /** Locked keys and keys with recent failures, newest first (for `vestibule lockout list`). */
  async list(scopes: readonly string[], limit = 1000): Promise<CounterRow[]> {
    const now = new Date(this.now());
    const rows = await this.db
      .selectFrom('vestibule_attempt_counters')
      .select(['scope', 'key', 'locked_until', 'lock_level'])
      .select(sql<number>`cardinality(failures)::int`.as('failure_count'))
      .where('scope', 'in', scopes)
      .where((eb) => eb.or([eb('locked_until', '>', now), eb(sql`cardinality(failures)`, '>', 0)]))
      .orderBy('updated_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      scope: r.scope,
      key: r.key,
      failures: r.failure_count,
      lockedUntil: r.locked_until ? new Date(r.locked_until) : null,
      lockLevel: r.lock_level,
    }));
  }

  /** Clears a key's failures, lock and escalation; true when there was anything to clear. */
  async clear(scopes: readonly string[], key: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('vestibule_attempt_counters')
      .where('scope', 'in', scopes)
      .where('key', '=', key)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  /** Drops rows idle for longer than `idleMs` (nothing counted, nothing locked). */
  async prune(idleMs: number): Promise<number> {
    const now = new Date(this.now());
    const result = await this.db
      .deleteFrom('vestibule_attempt_counters')
      .where('updated_at', '<', new Date(now.getTime() - idleMs))
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

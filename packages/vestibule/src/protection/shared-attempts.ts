// Attempt counters decided in the store, for a PostgreSQL several edges share: a sliding log of
// recent failures per (scope, key), attempts reserved before they are forwarded, and escalating
// locks. Every decision is ONE call of a SQL function (store/migrations.ts) that locks the counter's
// row for its duration, so concurrent requests on one edge, or on several edges sharing a
// PostgreSQL, serialise on the row: under 50 parallel wrong passwords no more than `maxFailures`
// attempts are ever in flight or counted at once. (A PGlite store has one process: see
// in-process-attempts.ts.)
//
// Why not a rate-limiter library: the lockout needs reservations released by the outcome, locks
// that double per repeat and survive a success, and one store that is PGlite or PostgreSQL through
// Kysely; the Postgres store of rate-limiter-flexible wants a `pg` pool and a fixed window.
import { sql, type Kysely } from 'kysely';
import type { EdgeStoreDatabase } from '../store/index.ts';
import {
  RESERVATION_TTL_MS,
  type AttemptCounters,
  type AttemptRule,
  type CounterRef,
  type CounterRow,
  type Outcome,
  type Reservation,
  type Settlement,
  afterAnswer,
  refusalOf,
} from './attempts.ts';
import type { AuditRow } from './audit.ts';
import { deleteCounters, listCounters, pruneCounters } from './counter-rows.ts';

interface ReserveRow {
  i: number;
  o_allowed: boolean;
  o_failures: number;
  o_locked_until: Date | null;
  o_oldest_failure: Date | null;
}

function reservationOf(row: ReserveRow, rule: AttemptRule, nowMs: number): Reservation {
  if (row.o_allowed) return { allowed: true, failures: row.o_failures };
  return refusalOf(
    {
      lockedUntilMs: row.o_locked_until ? new Date(row.o_locked_until).getTime() : null,
      oldestFailureMs: row.o_oldest_failure ? new Date(row.o_oldest_failure).getTime() : null,
    },
    rule,
    nowMs,
  );
}

export class SharedAttemptCounters implements AttemptCounters {
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

  async settleAfterAnswer(
    counters: ReadonlyArray<CounterRef & { outcome: Outcome }>,
    auditRows: readonly AuditRow[],
  ): Promise<Settlement[]> {
    await afterAnswer();
    return this.settleAll(counters, auditRows);
  }

  /** Reserve and count at once: a plain rate limit (recovery sends, code submissions). */
  async hit(scope: string, key: string, rule: AttemptRule): Promise<Reservation> {
    const reservation = await this.reserve(scope, key, rule);
    if (reservation.allowed) await this.settle(scope, key, rule, 'failure');
    return reservation;
  }

  list(scopes: readonly string[], limit = 1000): Promise<CounterRow[]> {
    return listCounters(this.db, scopes, this.now(), limit);
  }

  clear(scopes: readonly string[], key: string): Promise<boolean> {
    return deleteCounters(this.db, scopes, key).then((n) => n > 0);
  }

  prune(idleMs: number): Promise<number> {
    return pruneCounters(this.db, this.now(), idleMs);
  }
}

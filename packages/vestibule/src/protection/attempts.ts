// Attempt counters in the edge store: a sliding log of recent failures per (scope, key), attempts
// reserved before they are forwarded, and escalating locks. Every decision is ONE SQL statement
// (INSERT … ON CONFLICT DO UPDATE … RETURNING), so concurrent requests on one edge, or on several
// edges sharing a PostgreSQL, serialise on the row: under 50 parallel wrong passwords no more than
// `maxFailures` attempts are ever in flight or counted at once.
//
// Why not a rate-limiter library: the lockout needs reservations released by the outcome, locks
// that double per repeat and survive a success, and one store that is PGlite or PostgreSQL through
// Kysely; the Postgres store of rate-limiter-flexible wants a `pg` pool and a fixed window.
import { sql, type Kysely } from 'kysely';
import type { EdgeStoreDatabase } from '../store/index.ts';

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

export interface CounterRow {
  scope: string;
  key: string;
  failures: number;
  lockedUntil: Date | null;
  lockLevel: number;
}

const ms = (value: number) => sql`(${value}::double precision * interval '1 millisecond')`;

export class AttemptCounters {
  constructor(
    private readonly db: Kysely<EdgeStoreDatabase>,
    private readonly now: () => number,
  ) {}

  /** Reserves one attempt, unless the key is locked or its window is full (counting in-flight). */
  async reserve(scope: string, key: string, rule: AttemptRule): Promise<Reservation> {
    const now = new Date(this.now());
    const t = sql.ref('vestibule_attempt_counters');
    const failures = sql`ARRAY(SELECT f FROM unnest(${t}.failures) f WHERE f > ${now}::timestamptz - ${ms(rule.windowMs)})`;
    const reserved = sql`ARRAY(SELECT r FROM unnest(${t}.reserved) r WHERE r > ${now}::timestamptz - ${ms(RESERVATION_TTL_MS)})`;
    const allowed = sql`((${t}.locked_until IS NULL OR ${t}.locked_until <= ${now}::timestamptz)
      AND cardinality(${failures}) + cardinality(${reserved}) < ${rule.maxFailures})`;
    const result = await sql<{
      last_allowed: boolean;
      failure_count: number;
      locked_until: Date | null;
      oldest_failure: Date | null;
    }>`
      INSERT INTO vestibule_attempt_counters (scope, key, failures, reserved, last_allowed, last_locked, updated_at)
      VALUES (${scope}, ${key}, '{}', ARRAY[${now}::timestamptz], ${rule.maxFailures > 0}, false, ${now})
      ON CONFLICT (scope, key) DO UPDATE SET
        failures = ${failures},
        reserved = CASE WHEN ${allowed} THEN ${reserved} || ${now}::timestamptz ELSE ${reserved} END,
        last_allowed = ${allowed},
        last_locked = false,
        updated_at = ${now}
      RETURNING last_allowed, cardinality(failures)::int AS failure_count, locked_until,
        (SELECT min(f) FROM unnest(failures) f) AS oldest_failure
    `.execute(this.db);
    const row = result.rows[0]!;
    if (row.last_allowed) return { allowed: true, failures: row.failure_count };
    const nowMs = now.getTime();
    const lockedUntil = row.locked_until ? new Date(row.locked_until).getTime() : 0;
    if (lockedUntil > nowMs) {
      return { allowed: false, locked: true, retryAfterMs: lockedUntil - nowMs };
    }
    // Full window (a rate limit) or attempts in flight that will likely lock it: wait for the
    // oldest failure to leave the window, or for the lock those attempts would start.
    const oldest = row.oldest_failure ? new Date(row.oldest_failure).getTime() : undefined;
    const retryAfterMs =
      oldest !== undefined && rule.lockMs === 0
        ? oldest + rule.windowMs - nowMs
        : rule.lockMs || rule.windowMs;
    return { allowed: false, locked: rule.lockMs > 0, retryAfterMs: Math.max(1000, retryAfterMs) };
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
    const now = new Date(this.now());
    const t = sql.ref('vestibule_attempt_counters');
    const reserved = sql`(ARRAY(SELECT r FROM unnest(${t}.reserved) r WHERE r > ${now}::timestamptz - ${ms(RESERVATION_TTL_MS)}))[2:]`;
    const locked = sql`(${t}.locked_until IS NOT NULL AND ${t}.locked_until > ${now}::timestamptz)`;
    const recent = sql`ARRAY(SELECT f FROM unnest(${t}.failures) f WHERE f > ${now}::timestamptz - ${ms(rule.windowMs)})`;
    const failuresAfter =
      outcome === 'success'
        ? sql`'{}'::timestamptz[]`
        : outcome === 'neutral'
          ? recent
          : sql`CASE WHEN ${locked} THEN ${recent} ELSE ${recent} || ${now}::timestamptz END`;
    const startsLock =
      outcome === 'failure' && rule.lockMs > 0
        ? sql`(NOT ${locked} AND cardinality(${recent}) + 1 >= ${rule.maxFailures})`
        : sql`false`;
    // A lock long after the last one starts again at the base duration.
    const level = sql`(CASE WHEN ${t}.locked_until IS NULL
      OR ${t}.locked_until < ${now}::timestamptz - ${ms(rule.maxLockMs)} THEN 0 ELSE ${t}.lock_level END)`;
    const lockFor = sql`LEAST(${rule.lockMs}::double precision * power(2, ${level}), ${rule.maxLockMs}::double precision)`;
    const result = await sql<{ last_locked: boolean; locked_until: Date | null }>`
      UPDATE vestibule_attempt_counters SET
        failures = CASE WHEN ${startsLock} THEN '{}'::timestamptz[] ELSE ${failuresAfter} END,
        reserved = ${reserved},
        locked_until = CASE WHEN ${startsLock}
          THEN ${now}::timestamptz + (${lockFor} * interval '1 millisecond') ELSE locked_until END,
        lock_level = CASE WHEN ${startsLock} THEN ${level} + 1 ELSE lock_level END,
        last_locked = ${startsLock},
        updated_at = ${now}
      WHERE scope = ${scope} AND key = ${key}
      RETURNING last_locked, locked_until
    `.execute(this.db);
    const row = result.rows[0];
    return row?.last_locked && row.locked_until ? { lockedUntil: new Date(row.locked_until) } : {};
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

// The counters' rows as both implementations read and delete them: the admin list, unlock, the
// hourly prune, and (in-process-attempts.ts) loading a key on first touch.
import { sql, type Kysely } from 'kysely';
import type { EdgeStoreDatabase } from '../store/index.ts';
import type { CounterRow } from './attempts.ts';
import type { CounterState } from './sliding-log.ts';

type Db = Kysely<EdgeStoreDatabase>;

/** Locked keys and keys with recent failures, newest first (for `vestibule lockout list`). */
export async function listCounters(
  db: Db,
  scopes: readonly string[],
  nowMs: number,
  limit: number,
): Promise<CounterRow[]> {
  const now = new Date(nowMs);
  const rows = await db
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

/** Deletes a key's rows in these scopes; how many there were. */
export async function deleteCounters(db: Db, scopes: readonly string[], key: string) {
  const result = await db
    .deleteFrom('vestibule_attempt_counters')
    .where('scope', 'in', scopes)
    .where('key', '=', key)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Drops rows idle for longer than `idleMs` (nothing counted, nothing locked). */
export async function pruneCounters(db: Db, nowMs: number, idleMs: number): Promise<number> {
  const now = new Date(nowMs);
  const result = await db
    .deleteFrom('vestibule_attempt_counters')
    .where('updated_at', '<', new Date(nowMs - idleMs))
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * The stored state of these keys, by `${scope}\0${key}`. Attempts in flight are not read: in the
 * store they belong to an edge process that is gone (this one keeps its own in memory).
 */
export async function readCounters(
  db: Db,
  keys: ReadonlyArray<{ scope: string; key: string }>,
): Promise<Map<string, CounterState>> {
  const rows = await db
    .selectFrom('vestibule_attempt_counters')
    .select(['scope', 'key', 'failures', 'locked_until', 'lock_level'])
    .where((eb) =>
      eb(
        eb.refTuple('scope', 'key'),
        'in',
        keys.map((k) => eb.tuple(k.scope, k.key)),
      ),
    )
    .execute();
  const time = (value: Date | string) => new Date(value).getTime();
  return new Map(
    rows.map((r) => [
      counterId(r.scope, r.key),
      {
        failures: r.failures.map(time).sort((a, b) => a - b),
        reserved: [],
        lockedUntil: r.locked_until ? time(r.locked_until) : null,
        lockLevel: r.lock_level,
      },
    ]),
  );
}

export function counterId(scope: string, key: string): string {
  return `${scope}\u0000${key}`;
}

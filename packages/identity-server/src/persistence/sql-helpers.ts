// Small helpers shared by the SQL repositories.
import { sql, type Kysely } from 'kysely';
import type { Database } from './tables.ts';

export type DB = Kysely<Database>;

export const json = (value: unknown): string => JSON.stringify(value ?? null);

export function parseJSON<T>(text: string | null): T {
  return (text === null ? null : JSON.parse(text)) as T;
}

/** timestamptz comes back as Date (or a string from some drivers); records carry ISO-8601 UTC. */
export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

export const isoOrUndefined = (value: Date | string | null): string | undefined =>
  value === null ? undefined : iso(value);

let savepointCounter = 0;

/**
 * Runs `fn` atomically: in its own transaction, or inside a savepoint when `db` already is a
 * transaction, so a failed write (e.g. a duplicate identifier) never leaves half an identity behind
 * in the caller's transaction.
 */
export async function atomically<T>(db: DB, fn: (trx: DB) => Promise<T>): Promise<T> {
  if (!db.isTransaction) return db.transaction().execute(fn);
  const name = sql.raw(`vestibule_sp_${++savepointCounter}`);
  await sql`savepoint ${name}`.execute(db);
  try {
    const result = await fn(db);
    await sql`release savepoint ${name}`.execute(db);
    return result;
  } catch (err) {
    await sql`rollback to savepoint ${name}`.execute(db);
    throw err;
  }
}

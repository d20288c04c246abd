// Opens the database a DSN names: "memory" → in-process PGlite; a directory → PGlite persisted
// there; postgres(ql):// → PostgreSQL through `pg`. Always migrated before it is handed out.
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { migrateToLatest } from './migrations.ts';
import { OneRoundTripPGliteDialect } from './pglite-dialect.ts';
import { identityTemplate } from './template.ts';
import type { Database } from './tables.ts';

export interface OpenedDatabase {
  db: Kysely<Database>;
  kind: 'memory' | 'pglite' | 'postgres';
  close(): Promise<void>;
}

/** A database that cannot be migrated is closed again, so no pool or WASM instance keeps running. */
async function migrateOrClose(db: Kysely<Database>): Promise<void> {
  try {
    await migrateToLatest(db as Kysely<unknown>);
  } catch (err) {
    await db.destroy().catch(() => {});
    throw err;
  }
}

export interface OpenDatabaseOptions {
  /** Told about errors on idle PostgreSQL connections (the pool drops those and reconnects). */
  onIdleError?: (err: Error) => void;
}

export async function openDatabase(
  dsn: string,
  options: OpenDatabaseOptions = {},
): Promise<OpenedDatabase> {
  if (/^postgres(ql)?:\/\//i.test(dsn)) {
    // Loaded only for PostgreSQL: the embedded (PGlite) server never needs the driver.
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: dsn, max: 10, connectionTimeoutMillis: 10_000 });
    // An idle connection the server ends (restart, failover, admin terminate) is an 'error' event
    // on the pool; unheard, Node would crash the whole process on it. The pool has already dropped
    // the connection and opens a new one for the next query.
    pool.on('error', (err) => options.onIdleError?.(err));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    await migrateOrClose(db);
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  let client: PGlite;
  // A new database (in memory, or an empty directory) starts from the migrated template.
  if (dsn === 'memory') client = await identityTemplate.openMemory();
  else client = await identityTemplate.openDirectory(dsn);
  const db = new Kysely<Database>({ dialect: new OneRoundTripPGliteDialect(client) });
  await migrateOrClose(db);
  // Kysely's destroy() closes the PGlite instance, which flushes the data directory.
  return { db, kind: dsn === 'memory' ? 'memory' : 'pglite', close: () => db.destroy() };
}

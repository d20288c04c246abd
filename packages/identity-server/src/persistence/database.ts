// Opens the database a DSN names: "memory" → in-process PGlite; a directory → PGlite persisted
// there; postgres(ql):// → PostgreSQL through `pg`. Always migrated before it is handed out.
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.ts';
import { OneRoundTripPGliteDialect } from './pglite-dialect.ts';
import { forgetCachedTemplate, migratedTemplate } from './template-cache.ts';
import type { Database } from './tables.ts';

export interface OpenedDatabase {
  db: Kysely<Database>;
  kind: 'memory' | 'pglite' | 'postgres';
  close(): Promise<void>;
}

/** In-memory PGlite started from the migrated template (template-cache.ts): no initdb. */
async function openMemory(): Promise<PGlite> {
  try {
    return await PGlite.create({ loadDataDir: await migratedTemplate() });
  } catch {
    // A damaged cached template: rebuild it once from scratch.
    forgetCachedTemplate();
    return PGlite.create({ loadDataDir: await migratedTemplate() });
  }
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

/** A new (empty) data directory is seeded from the migrated template too: no initdb on first start. */
async function openDirectory(dir: string): Promise<PGlite> {
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) return PGlite.create({ dataDir: dir });
  try {
    return await PGlite.create({ dataDir: dir, loadDataDir: await migratedTemplate() });
  } catch {
    // The directory was empty before we touched it: clear the half-seeded files, initdb instead.
    for (const name of await readdir(dir))
      await rm(join(dir, name), { recursive: true, force: true });
    return PGlite.create({ dataDir: dir });
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
  if (dsn === 'memory') client = await openMemory();
  else client = await openDirectory(dsn);
  const db = new Kysely<Database>({ dialect: new OneRoundTripPGliteDialect(client) });
  await migrateOrClose(db);
  // Kysely's destroy() closes the PGlite instance, which flushes the data directory.
  return { db, kind: dsn === 'memory' ? 'memory' : 'pglite', close: () => db.destroy() };
}

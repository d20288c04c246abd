// Opens the database a DSN names: "memory" → in-process PGlite; a directory → PGlite persisted
// there; postgres(ql):// → PostgreSQL through `pg`. Always migrated before it is handed out.
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './tables.ts';

export interface OpenedDatabase {
  db: Kysely<Database>;
  kind: 'memory' | 'pglite' | 'postgres';
  close(): Promise<void>;
}

// PGlite's initdb takes seconds. A migrated data directory is dumped once per process and every
// later in-memory database starts from that tarball (loadDataDir), which skips initdb entirely.
let memoryTemplate: Promise<Blob> | undefined;

async function migratedTemplate(): Promise<Blob> {
  const seed = await PGlite.create();
  try {
    await migrateToLatest(new Kysely<unknown>({ dialect: new PGliteDialect(seed) }));
    return await seed.dumpDataDir('none');
  } finally {
    await seed.close();
  }
}

async function openMemory(): Promise<PGlite> {
  memoryTemplate ??= migratedTemplate().catch((err: unknown) => {
    memoryTemplate = undefined;
    throw err;
  });
  return PGlite.create({ loadDataDir: await memoryTemplate });
}

export async function openDatabase(dsn: string): Promise<OpenedDatabase> {
  if (/^postgres(ql)?:\/\//i.test(dsn)) {
    const pool = new pg.Pool({ connectionString: dsn, max: 10 });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    await migrateToLatest(db as Kysely<unknown>);
    return { db, kind: 'postgres', close: () => db.destroy() };
  }
  let client: PGlite;
  if (dsn === 'memory') client = await openMemory();
  else {
    await mkdir(dsn, { recursive: true });
    client = await PGlite.create({ dataDir: dsn });
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  await migrateToLatest(db as Kysely<unknown>);
  // Kysely's destroy() closes the PGlite instance, which flushes the data directory.
  return { db, kind: dsn === 'memory' ? 'memory' : 'pglite', close: () => db.destroy() };
}

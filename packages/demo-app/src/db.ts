// The demo's database: embedded PostgreSQL (PGlite) through Kysely, on disk under the data dir or in
// memory for tests. Notes are owned by the Kratos identity id, the same key ensureUser() uses.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql, type Generated } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { blankTemplate, freshMemoryPGlite } from './pglite-template.ts';

export interface NotesTable {
  id: Generated<string>;
  owner_id: string;
  title: string;
  body: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface DemoTables {
  notes: NotesTable;
}

/** `dataDir` undefined → in-memory (tests); otherwise a PGlite directory on disk. */
export async function openDatabase<T extends DemoTables>(dataDir?: string): Promise<Kysely<T>> {
  const pglite = dataDir ? await openDirectory(dataDir) : await freshMemoryPGlite();
  await pglite.waitReady;
  const db = new Kysely<T>({ dialect: new PGliteDialect(pglite) });
  await migrateNotes(db as unknown as Kysely<DemoTables>);
  return db;
}

/**
 * A new (empty) data directory starts from the blank template: PGlite's initdb costs seconds, and it
 * was most of `npm start`'s first run (the identity server seeds its directory the same way).
 */
async function openDirectory(dir: string): Promise<PGlite> {
  mkdirSync(dir, { recursive: true });
  if (readdirSync(dir).length > 0) return PGlite.create({ dataDir: dir });
  try {
    return await PGlite.create({ dataDir: dir, loadDataDir: await blankTemplate() });
  } catch {
    // The directory was empty before we touched it: clear the half-seeded files, initdb instead.
    for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
    return PGlite.create({ dataDir: dir });
  }
}

async function migrateNotes(db: Kysely<DemoTables>): Promise<void> {
  await db.schema
    .createTable('notes')
    .ifNotExists()
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('notes_owner_idx')
    .ifNotExists()
    .on('notes')
    .column('owner_id')
    .execute();
}

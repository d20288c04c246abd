// The demo's database: embedded PostgreSQL (PGlite) through Kysely, on disk under the data dir or in
// memory for tests. Notes are owned by the Kratos identity id, the same key ensureUser() uses.
import {
  migrationsKey,
  pgliteTemplate,
  schemaKey,
  SMALL_DATABASE,
} from '@vestibule/server-kit/pglite-template';
import { Kysely, sql, type Generated } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import {
  migrateProfiles,
  PROFILE_MIGRATION_TABLE,
  profileMigrations,
  type ProvisioningDatabase,
} from 'vestibule';

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

// The template carries the profiles schema too (ensureUser's table, same database): a new data
// directory then starts with nothing to migrate.
export const notesTemplate = pgliteTemplate({
  name: 'demo-app',
  key: async () =>
    migrationsKey(
      await profileMigrations.getMigrations(),
      `${PROFILE_MIGRATION_TABLE}|${await schemaKey((db) => migrateNotes(db as Kysely<DemoTables>))}`,
    ),
  migrate: async (pglite) => {
    const db = new Kysely<DemoTables>({ dialect: new PGliteDialect(pglite) });
    await migrateNotes(db);
    await migrateProfiles(db as unknown as Kysely<ProvisioningDatabase>);
  },
  settings: SMALL_DATABASE,
});

/** `dataDir` undefined → in-memory (tests); otherwise a PGlite directory on disk. */
export async function openDatabase<T extends DemoTables>(dataDir?: string): Promise<Kysely<T>> {
  // A new database starts from the migrated template: PGlite's initdb costs seconds, and it was
  // most of `npm start`'s first run.
  const pglite = dataDir
    ? await notesTemplate.openDirectory(dataDir)
    : await notesTemplate.openMemory();
  await pglite.waitReady;
  const db = new Kysely<T>({ dialect: new PGliteDialect(pglite) });
  // Its last object there (every start but a template-less first): no DDL to send at each start.
  const found = await sql<{
    index: string | null;
  }>`select to_regclass('notes_owner_idx')::text as index`.execute(db);
  if (!found.rows[0]?.index) await migrateNotes(db as unknown as Kysely<DemoTables>);
  return db;
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

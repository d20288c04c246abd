// The migration bookkeeping table is ours alone (identity_server_migrations), so the identity server
// and the vestibule package's profile migrations (vestibule_migrations) can share one database; a
// database migrated by an earlier version, whose history sits in vestibule_migrations, is adopted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, sql, type Kysely } from 'kysely';
import { MIGRATION_NAMES, MIGRATION_TABLE, migrateToLatest } from '../../src/persistence/index.ts';
import { openDatabase } from '../../src/persistence/database.ts';

const tables = async (db: Kysely<unknown>) =>
  (
    await sql<{ relname: string }>`select relname from pg_class
      where relname like '%migrations%' and relkind in ('r', 'i') order by relname`.execute(db)
  ).rows.map((r) => r.relname);

/** What the vestibule package's profile migrator does: its own history in vestibule_migrations. */
async function appMigrations(db: Kysely<unknown>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: {
      getMigrations: async () => ({
        '2026-11-23-001-profiles': {
          up: async (d: Kysely<unknown>) => {
            await sql`create table profiles (id uuid primary key)`.execute(d);
          },
        },
      }),
    },
    migrationTableName: 'vestibule_migrations',
    migrationLockTableName: 'vestibule_migrations_lock',
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}

test('the identity server and the app profile migrations share one database', async () => {
  const { db, close } = await openDatabase('memory');
  try {
    assert.equal(MIGRATION_TABLE, 'identity_server_migrations');
    await appMigrations(db as Kysely<unknown>);
    await migrateToLatest(db as Kysely<unknown>); // again, with the app's table present
    await appMigrations(db as Kysely<unknown>);
    const ours = await sql<{ name: string }>`select name from identity_server_migrations`.execute(
      db,
    );
    assert.deepEqual(ours.rows.map((r) => r.name).sort(), [...MIGRATION_NAMES].sort());
    const theirs = await sql<{ name: string }>`select name from vestibule_migrations`.execute(db);
    assert.deepEqual(
      theirs.rows.map((r) => r.name),
      ['2026-11-23-001-profiles'],
    );
  } finally {
    await close();
  }
});

test('a database migrated by an earlier version (history in vestibule_migrations) is adopted', async () => {
  const { db, close } = await openDatabase('memory');
  try {
    // Recreate the old layout: our history under the old names, and some data.
    await sql`alter table identity_server_migrations rename to vestibule_migrations`.execute(db);
    await sql`alter index identity_server_migrations_pkey rename to vestibule_migrations_pkey`.execute(
      db,
    );
    await sql`alter table identity_server_migrations_lock rename to vestibule_migrations_lock`.execute(
      db,
    );
    await sql`alter index identity_server_migrations_lock_pkey
      rename to vestibule_migrations_lock_pkey`.execute(db);
    await sql`insert into selfservice_errors (id, error, created_at, updated_at)
      values ('kept', '{}', now(), now())`.execute(db);

    await migrateToLatest(db as Kysely<unknown>);
    assert.deepEqual(await tables(db as Kysely<unknown>), [
      'identity_server_migrations',
      'identity_server_migrations_lock',
      'identity_server_migrations_lock_pkey',
      'identity_server_migrations_pkey',
    ]);
    const kept = await sql`select id from selfservice_errors where id = 'kept'`.execute(db);
    assert.equal(kept.rows.length, 1, 'no migration re-ran over the data');
    await appMigrations(db as Kysely<unknown>); // the old names are free for the app again
  } finally {
    await close();
  }
});

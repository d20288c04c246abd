// upToDate(): the one-query check that lets a database already carrying every migration skip
// Kysely's Migrator. It must say "up to date" only when the executed set is exactly the code's: a
// missing table, a pending migration or one the code does not know all go to the Migrator.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { upToDate } from '../src/migrations/index.ts';

const TABLE = 'test_migrations';
const migration = (table: string): Migration => ({
  up: async (db) => void (await sql`create table ${sql.table(table)} (id int)`.execute(db)),
});
const provider = (names: string[]): MigrationProvider => ({
  getMigrations: async () => Object.fromEntries(names.map((n) => [n, migration(`t_${n}`)])),
});
const migrate = async (names: string[]) => {
  const { error } = await new Migrator({
    db,
    provider: provider(names),
    migrationTableName: TABLE,
    migrationLockTableName: `${TABLE}_lock`,
  }).migrateToLatest();
  if (error) throw error;
};

let db: Kysely<unknown>;
before(async () => {
  db = new Kysely({ dialect: new PGliteDialect(await PGlite.create()) });
});
after(() => db.destroy());

test('no bookkeeping table yet: not up to date', async () => {
  assert.equal(await upToDate(db, { table: TABLE, provider: provider(['001']) }), false);
});

test('every migration applied: up to date; one more in the code, or one fewer: not', async () => {
  await migrate(['001', '002']);
  assert.equal(await upToDate(db, { table: TABLE, provider: provider(['001', '002']) }), true);
  // A new migration in the code is pending: the Migrator must run.
  assert.equal(
    await upToDate(db, { table: TABLE, provider: provider(['001', '002', '003']) }),
    false,
  );
  // The database has one the code does not know (a newer version ran here): the Migrator reports it.
  assert.equal(await upToDate(db, { table: TABLE, provider: provider(['001']) }), false);
  // Same count, other names.
  assert.equal(await upToDate(db, { table: TABLE, provider: provider(['001', '009']) }), false);
});

test('a table name is a parameter and an identifier, never SQL text', async () => {
  const hostile = `${TABLE}; drop table t_001; --`;
  assert.equal(await upToDate(db, { table: hostile, provider: provider(['001']) }), false);
  const still = await sql<{
    found: string | null;
  }>`select to_regclass('t_001')::text as found`.execute(db);
  assert.equal(still.rows[0]!.found, 't_001');
});

// The one-round-trip PGlite dialect must return exactly what PGlite's own query() returns, and fail
// the way it fails (the persister contract suite runs on it too: persister.test.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql } from 'kysely';
import { OneRoundTripPGliteDialect } from '../../src/persistence/pglite-dialect.ts';

let pg: PGlite;
let db: Kysely<unknown>;
before(async () => {
  pg = await PGlite.create();
  db = new Kysely({ dialect: new OneRoundTripPGliteDialect(pg) });
  await sql`create table t (id text primary key, n int, big bigint, ok boolean,
    at timestamptz, note text)`.execute(db);
});
after(() => db.destroy());

test('rows, types and affected-row counts match PGlite query()', async () => {
  const at = new Date('2026-01-02T03:04:05.678Z');
  const inserted =
    await sql`insert into t values (${'a'}, ${7}, ${2n ** 40n}, ${true}, ${at}, ${null}),
    (${'b'}, ${-1}, ${0}, ${false}, ${at.toISOString()}, ${'it\'s \u00e9 \\ "'})`.execute(db);
  assert.equal(inserted.numAffectedRows, 2n);
  const text = 'select * from t where id = any($1::text[]) order by id';
  const mine = await sql`select * from t where id = any(${'{a,b}'}::text[]) order by id`.execute(
    db,
  );
  const theirs = await pg.query(text, ['{a,b}']);
  assert.deepEqual(mine.rows, theirs.rows);
  assert.deepEqual(mine.rows[0], {
    id: 'a',
    n: 7,
    big: 2 ** 40, // PGlite parses int8 as a number, both ways
    ok: true,
    at,
    note: null,
  });
  const updated = await sql`update t set n = n + 1 where ok = ${false}`.execute(db);
  assert.equal(updated.numAffectedRows, 1n);
  const none = await sql`select id from t where id = ${'missing'}`.execute(db);
  assert.deepEqual(none.rows, []);
});

test('SQL errors reject with the PostgreSQL error, and the connection keeps working', async () => {
  await assert.rejects(
    sql`insert into t (id) values (${'a'})`.execute(db),
    (err: Error & { code?: string }) => {
      assert.equal(err.code, '23505');
      assert.match(err.message, /duplicate key/);
      return true;
    },
  );
  await assert.rejects(sql`select nonsense from nowhere`.execute(db), /nowhere/);
  const after = await sql<{ one: number }>`select 1 as one`.execute(db);
  assert.deepEqual(after.rows, [{ one: 1 }]);
});

test('transactions commit and roll back; parameters other than scalars are refused', async () => {
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await sql`insert into t (id) values (${'rolled-back'})`.execute(trx);
      throw new Error('abort');
    }),
    /abort/,
  );
  await db.transaction().execute(async (trx) => {
    await sql`insert into t (id) values (${'committed'})`.execute(trx);
  });
  const ids = await sql<{
    id: string;
  }>`select id from t where id in ('rolled-back', 'committed')`.execute(db);
  assert.deepEqual(
    ids.rows.map((r) => r.id),
    ['committed'],
  );
  await assert.rejects(
    sql`select ${{ an: 'object' }}::text`.execute(db),
    /unsupported query parameter type/,
  );
});

test('prepared statements: reused across calls, and a failure after Parse never poisons a name', async () => {
  const divide = (d: number) => sql<{ q: number }>`select 10 / ${d}::int as q`.execute(db);
  assert.deepEqual((await divide(2)).rows, [{ q: 5 }]);
  await assert.rejects(divide(0), /division by zero/);
  assert.deepEqual((await divide(5)).rows, [{ q: 2 }]);
  // First run of a statement fails at execution: its Parse did create it server-side.
  const fresh = (d: number) => sql<{ q: number }>`select 100 / ${d}::int as q`.execute(db);
  await assert.rejects(fresh(0), /division by zero/);
  assert.deepEqual((await fresh(4)).rows, [{ q: 25 }]);
  assert.deepEqual((await fresh(50)).rows, [{ q: 2 }]);
  // In an aborted transaction every statement fails; after the rollback they work again.
  await assert.rejects(
    db.transaction().execute(async (trx) => {
      await sql`select 1 / 0`.execute(trx).catch(() => {});
      await sql`select ${'x'}::text as t`.execute(trx);
    }),
    /aborted/,
  );
  assert.deepEqual((await sql`select ${'x'}::text as t`.execute(db)).rows, [{ t: 'x' }]);
  const prepared = await sql<{
    n: number;
  }>`select count(*)::int as n from pg_prepared_statements`.execute(db);
  assert.ok(prepared.rows[0]!.n >= 3, 'statements are kept prepared');
});

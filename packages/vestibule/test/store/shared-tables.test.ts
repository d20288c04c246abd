// The session bus's and the rate limiters' tables are the edge store's migrations (issue 15 review:
// no CREATE TABLE of their own beside store/migrations.ts). A database where an older edge created
// them itself migrates without an error and keeps its rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { migrateEdgeStore, type EdgeStoreDatabase } from '../../src/store/index.ts';

test('the store migrates over tables an older edge created for the bus and the rate limits', async () => {
  const client = await PGlite.create();
  const db = new Kysely<EdgeStoreDatabase>({ dialect: new PGliteDialect(client) });
  try {
    // What session-bus/postgres.ts and rate-limit/limiter.ts used to create on their own.
    await client.exec(`
      CREATE TABLE vestibule_session_events (id bigserial PRIMARY KEY, event jsonb NOT NULL,
        origin text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
      CREATE INDEX vestibule_session_events_created_at ON vestibule_session_events (created_at);
      CREATE TABLE vestibule_rate_limits (key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0, expire bigint);
      INSERT INTO vestibule_rate_limits (key, points) VALUES ('kept', 3);`);
    await migrateEdgeStore(db);
    const kept = await client.query<{ points: number }>(
      `SELECT points FROM vestibule_rate_limits WHERE key = 'kept'`,
    );
    assert.equal(kept.rows[0]?.points, 3);
    await client.query(`INSERT INTO vestibule_session_events (event, origin) VALUES ('{}', 'o')`);
  } finally {
    await db.destroy();
  }
});

test('a fresh store has both tables', async () => {
  const client = await PGlite.create();
  const db = new Kysely<EdgeStoreDatabase>({ dialect: new PGliteDialect(client) });
  try {
    await migrateEdgeStore(db);
    const { rows } = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
       WHERE table_name IN ('vestibule_session_events', 'vestibule_rate_limits') ORDER BY 1`,
    );
    assert.deepEqual(
      rows.map((r) => r.name),
      ['vestibule_rate_limits', 'vestibule_session_events'],
    );
  } finally {
    await db.destroy();
  }
});

// ensureUser() on a real PostgreSQL server through the query builder (issue 4: "works on the
// embedded PostgreSQL (PGlite) and on a real PostgreSQL"). Separate stores hold separate connection
// pools, so concurrent first requests really race in the database, as two app processes would.
// The server is a throwaway cluster (test/support/postgres.ts); without the binaries this fails in
// CI and is skipped elsewhere with a notice.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createIdentityServer, defaultConfig } from '@vestibule/identity-server';
import { startPostgres } from '../../../../test/support/postgres.ts';
import { openProfileStore, type ProfileStore } from '../../src/provisioning/index.ts';

const server = await startPostgres();
after(() => server?.stop());
const skip = server ? false : 'no PostgreSQL server binaries (see the notice above)';

let clock = Date.parse('2030-01-01T00:00:00Z');
const now = () => clock;

async function stores(count: number, dsn: string): Promise<ProfileStore[]> {
  const opened: ProfileStore[] = [];
  for (let i = 0; i < count; i++) opened.push(await openProfileStore({ database: dsn, now }));
  return opened;
}

test(
  'on PostgreSQL: migrations run once, concurrent first requests from separate pools create one row',
  { skip },
  async () => {
    const dsn = await server!.createDatabase('profiles_race');
    // Opening several stores at once also races the migrations: the migrator's lock must hold.
    const opened = await Promise.all(
      Array.from({ length: 3 }, () => openProfileStore({ database: dsn, now })),
    );
    try {
      const id = randomUUID();
      const results = await Promise.all(
        Array.from({ length: 30 }, (_v, i) =>
          opened[i % opened.length]!.ensureUser({ id, email: 'race@example.com', role: 'user' }),
        ),
      );
      assert.ok(results.every((p) => p.id === id && p.role === 'user'));
      const rows = await opened[0]!.db
        .selectFrom('profiles')
        .selectAll()
        .where('id', '=', id)
        .execute();
      assert.equal(rows.length, 1, 'exactly one profile row');
      assert.equal(rows[0]!.email, 'race@example.com');
    } finally {
      for (const store of opened) await store.close();
    }
  },
);

test(
  'on PostgreSQL: the role follows metadata_public.role on each login, updated_at only on change',
  { skip },
  async () => {
    const dsn = await server!.createDatabase('profiles_roles');
    const [store, other] = await stores(2, dsn);
    try {
      const id = randomUUID();
      const created = await store!.ensureUser({ id, email: 'role@example.com', role: 'user' });
      assert.equal(created.created_at.getTime(), clock);

      clock += 120_000;
      const promoted = await other!.ensureUser({ id, email: 'role@example.com', role: 'admin' });
      assert.equal(promoted.role, 'admin');
      assert.equal(promoted.updated_at.getTime(), clock);
      assert.equal(promoted.created_at.getTime(), created.created_at.getTime());
      assert.equal((await store!.getProfile(id))?.role, 'admin', 'visible through the other pool');

      clock += 120_000;
      const same = await other!.ensureUser({ id, email: 'role@example.com', role: 'admin' });
      assert.equal(same.updated_at.getTime(), promoted.updated_at.getTime(), 'unchanged → no bump');
      assert.equal(same.last_seen_at.getTime(), clock);

      const demoted = await store!.ensureUser({ id, email: 'new@example.com', role: 'user' });
      assert.equal(demoted.role, 'user', 'removing the role in Kratos removes it here');
      assert.equal(demoted.email, 'new@example.com');
    } finally {
      await store!.close();
      await other!.close();
    }
  },
);

test(
  'on PostgreSQL: profiles and the embedded identity server share one database',
  { skip },
  async () => {
    const dsn = await server!.createDatabase('shared_with_kratos');
    const config = defaultConfig({ dsn, serve: { public: { port: 0 }, admin: { port: 0 } } });
    // Each migrator keeps its own history table, so either may run first and both run again later.
    const store = await openProfileStore({ database: dsn, now });
    const kratos = await createIdentityServer({ config, log: () => {} });
    try {
      await kratos.context.persister.ping();
      const again = await openProfileStore({ database: dsn, now });
      await again.close();
      const id = randomUUID();
      assert.equal(
        (await store.ensureUser({ id, email: 'both@example.com', role: 'user' })).id,
        id,
      );
    } finally {
      await kratos.close();
      await store.close();
    }
  },
);

test(
  'on PostgreSQL: an idle connection the server terminates does not crash the app; the next call reconnects',
  { skip },
  async () => {
    const dsn = await server!.createDatabase('profiles_terminated');
    const store = await openProfileStore({ database: dsn, now });
    try {
      const id = randomUUID();
      await store.ensureUser({ id, email: 'idle@example.com', role: 'user' });
      // Parallel reads open several pooled connections, which then sit idle.
      await Promise.all(Array.from({ length: 4 }, () => store.getProfile(id)));
      const killed = await sql<{ n: number }>`select count(pg_terminate_backend(pid))::int as n
      from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`.execute(
        store.db,
      );
      assert.ok(killed.rows[0]!.n >= 1, 'idle pooled connections were terminated');
      // Without an 'error' listener on the pool, the terminated idle connections would have thrown
      // an uncaught exception and ended this test process.
      assert.equal((await store.getProfile(id))?.email, 'idle@example.com');
    } finally {
      await store.close();
    }
  },
);

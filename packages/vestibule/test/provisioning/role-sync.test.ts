// Issue 14, role sync as the runbook says: the role originates in Kratos (`metadata_public.role`)
// and is copied into `profiles.role` only when it differs from what was last synced; app code reads
// `profiles.role`; an operator's direct update of `profiles.role` survives logins until the Kratos
// role changes. The same cases run on PGlite and on a real PostgreSQL (skipped without binaries),
// including the migration of a store created before `synced_role` existed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Kysely, Migrator, PostgresDialect, type Migration } from 'kysely';
import { PGlite } from '@electric-sql/pglite';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { startPostgres } from '../../../../test/support/postgres.ts';
import {
  MIGRATION_LOCK_TABLE,
  MIGRATION_TABLE,
  migrationProvider,
} from '../../src/provisioning/migrations.ts';
import {
  openProfileStore,
  type ProfileStore,
  type ProvisioningDatabase,
} from '../../src/provisioning/index.ts';
import { createVestibule } from '../../src/app/vestibule.ts';
import { encodeIdentity, signIdentityHeaders } from '../../src/identity-headers/index.ts';
import { startFakeKratos } from '../support/fake-kratos.ts';

const server = await startPostgres();
after(() => server?.stop());

let clock = Date.parse('2030-01-01T00:00:00Z');
const now = () => clock;
const INTERVAL = 60_000;
/** A later login: past the touch interval, so the store really goes to the database. */
const later = () => (clock += INTERVAL + 1);

interface Backend {
  name: string;
  skip: string | false;
  /** A fresh, empty database. */
  open(): Promise<Kysely<ProvisioningDatabase>>;
}

const backends: Backend[] = [
  {
    name: 'PGlite',
    skip: false,
    open: async () => new Kysely({ dialect: new PGliteDialect(new PGlite()) }),
  },
  {
    name: 'PostgreSQL',
    skip: server ? false : 'no PostgreSQL server binaries (see the notice above)',
    open: async () => {
      const dsn = await server!.createDatabase(`role_sync_${randomUUID().slice(0, 8)}`);
      return new Kysely({
        dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: dsn }) }),
      });
    },
  },
];

async function setRoleDirectly(store: ProfileStore, id: string, role: string): Promise<void> {
  await store.db.updateTable('profiles').set({ role }).where('id', '=', id).execute();
}

for (const backend of backends) {
  const { name, skip } = backend;

  test(
    `${name}: an operator's direct role update survives logins until the Kratos role changes`,
    { skip },
    async () => {
      const db = await backend.open();
      const store = await openProfileStore({ database: db, now, touchIntervalMs: INTERVAL });
      try {
        const id = randomUUID();
        const first = await store.ensureUser({ id, email: 'op@example.com', role: 'user' });
        assert.equal(first.role, 'user');
        assert.equal(first.synced_role, 'user');

        await setRoleDirectly(store, id, 'editor'); // the operator, in SQL
        later();
        const again = await store.ensureUser({ id, email: 'op@example.com', role: 'user' });
        assert.equal(again.role, 'editor', 'Kratos role unchanged: the operator’s role stands');
        assert.equal(again.synced_role, 'user');
        later();
        assert.equal(
          (await store.ensureUser({ id, email: 'op@example.com', role: 'user' })).role,
          'editor',
        );

        later();
        const promoted = await store.ensureUser({ id, email: 'op@example.com', role: 'admin' });
        assert.equal(promoted.role, 'admin', 'the Kratos role changed: it wins');
        assert.equal(promoted.synced_role, 'admin');
        assert.equal(promoted.updated_at.getTime(), clock);

        await setRoleDirectly(store, id, 'user'); // the operator demotes in SQL
        later();
        assert.equal(
          (await store.ensureUser({ id, email: 'op@example.com', role: 'admin' })).role,
          'user',
        );

        later();
        // metadata_public.role removed in Kratos → the default role: a change, so it is copied.
        const removed = await store.ensureUser({ id, email: 'op@example.com', role: 'user' });
        assert.equal(removed.role, 'user');
        assert.equal(removed.synced_role, 'user');
        assert.equal((await store.getProfile(id))?.role, 'user');
      } finally {
        await store.close();
        await db.destroy();
      }
    },
  );

  test(
    `${name}: racing logins with the Kratos role unchanged all keep the operator’s role`,
    { skip },
    async () => {
      const db = await backend.open();
      const stores = [
        await openProfileStore({ database: db, now, touchIntervalMs: INTERVAL }),
        await openProfileStore({ database: db, now, touchIntervalMs: INTERVAL }),
      ];
      try {
        const id = randomUUID();
        await stores[0]!.ensureUser({ id, email: null, role: 'user' });
        await setRoleDirectly(stores[0]!, id, 'support');
        later();
        const results = await Promise.all(
          Array.from({ length: 10 }, (_v, i) =>
            stores[i % 2]!.ensureUser({ id, email: null, role: 'user' }),
          ),
        );
        assert.ok(
          results.every((p) => p.role === 'support'),
          'no race turns "unchanged" into a copy',
        );
      } finally {
        for (const store of stores) await store.close();
        await db.destroy();
      }
    },
  );

  test(
    `${name}: a store created before synced_role is migrated; its roles count as synced`,
    { skip },
    async () => {
      const db = await backend.open();
      try {
        // The schema as shipped before: only the first migration.
        const all = await migrationProvider.getMigrations();
        const [firstName] = Object.keys(all).sort();
        const old: Record<string, Migration> = { [firstName!]: all[firstName!]! };
        const migrator = new Migrator({
          db,
          provider: { getMigrations: () => Promise.resolve(old) },
          migrationTableName: MIGRATION_TABLE,
          migrationLockTableName: MIGRATION_LOCK_TABLE,
        });
        const { error } = await migrator.migrateToLatest();
        assert.ifError(error);
        const id = randomUUID();
        await db
          .insertInto('profiles')
          .values({ id, email: 'old@example.com', role: 'admin' } as never)
          .execute();

        const store = await openProfileStore({ database: db, now, touchIntervalMs: INTERVAL });
        try {
          const migrated = await store.getProfile(id);
          assert.equal(migrated?.synced_role, 'admin', 'the old role was the last Kratos role');
          await setRoleDirectly(store, id, 'auditor');
          later();
          assert.equal(
            (await store.ensureUser({ id, email: 'old@example.com', role: 'admin' })).role,
            'auditor',
          );
          later();
          assert.equal(
            (await store.ensureUser({ id, email: 'old@example.com', role: 'user' })).role,
            'user',
          );
        } finally {
          await store.close();
        }
      } finally {
        await db.destroy();
      }
    },
  );
}

test('getUser and requireRole read profiles.role in direct mode (the operator’s update)', async () => {
  const kratos = await startFakeKratos();
  const store = await openProfileStore({ database: 'memory', now, touchIntervalMs: INTERVAL });
  try {
    const { token, session } = kratos.addSession({ role: 'user', email: 'd@example.com' });
    const vestibule = createVestibule({
      mode: 'direct',
      kratosPublicURL: kratos.url,
      profiles: store,
      now,
    });
    const request = () =>
      new Request('http://app/x', { headers: { cookie: `ory_kratos_session=${token}` } });
    assert.equal((await vestibule.getUser(request()))?.role, 'user');
    await setRoleDirectly(store, session.identity.id, 'moderator');
    later();
    assert.equal((await vestibule.getUser(request()))?.role, 'moderator');
    const allowed = await vestibule.requireRole(request(), 'moderator');
    assert.equal(allowed.response, null, 'requireRole uses the profile role');
  } finally {
    await store.close();
    await kratos.close();
  }
});

test('getUser reads profiles.role in header mode too (the edge signs the Kratos role)', async () => {
  const secret = 'role-sync-test-secret-0123456789abcdef';
  const store = await openProfileStore({ database: 'memory', now, touchIntervalMs: INTERVAL });
  try {
    const vestibule = createVestibule({
      mode: 'header',
      headerSecret: secret,
      profiles: store,
      now,
    });
    const id = randomUUID();
    const request = (role: string) =>
      new Request('http://app/admin', {
        headers: signIdentityHeaders(
          secret,
          { method: 'GET', path: '/admin' },
          encodeIdentity({ id, email: 'h@example.com', role }),
          clock,
        ),
      });
    assert.equal((await vestibule.getUser(request('admin')))?.role, 'admin');
    await setRoleDirectly(store, id, 'user'); // the operator demotes in the app database
    later();
    assert.equal((await vestibule.getUser(request('admin')))?.role, 'user');
    assert.equal((await vestibule.requireRole(request('admin'), 'admin')).response?.status, 403);
    later();
    assert.equal((await vestibule.getUser(request('owner')))?.role, 'owner', 'Kratos changed');
  } finally {
    await store.close();
  }
});

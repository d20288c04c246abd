import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { openProfileStore, type ProfileStore } from '../../src/provisioning/index.ts';
import { parseDatabaseTarget } from '../../src/provisioning/database.ts';
import { createVestibule } from '../../src/app/vestibule.ts';
import { startFakeKratos, type FakeKratos } from '../support/fake-kratos.ts';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const clock = { now: T0 };
let dir: string;
let store: ProfileStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'profiles-'));
  // A directory-backed PGlite: also proves rows survive a reopen (last test).
  store = await openProfileStore({
    database: `pglite:${dir}`,
    now: () => clock.now,
    touchIntervalMs: 60_000,
  });
});
after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

test('the first authenticated request creates the profile row keyed on the identity id', async () => {
  const id = randomUUID();
  const profile = await store.ensureUser({ id, email: 'new@example.com', role: 'user' });
  assert.equal(profile.id, id);
  assert.equal(profile.email, 'new@example.com');
  assert.equal(profile.role, 'user');
  assert.equal(profile.created_at.getTime(), T0);
  assert.deepEqual(await store.getProfile(id), profile);
});

test('role and email are synced when they differ; updated_at moves only then (fake clock)', async () => {
  const id = randomUUID();
  await store.ensureUser({ id, email: 'a@example.com', role: 'user' });
  clock.now += 120_000;
  const same = await store.ensureUser({ id, email: 'a@example.com', role: 'user' });
  assert.equal(same.updated_at.getTime(), T0, 'unchanged values keep updated_at');
  assert.equal(same.last_seen_at.getTime(), clock.now, 'last_seen_at refreshed after the interval');
  clock.now += 1_000;
  const promoted = await store.ensureUser({ id, email: 'a@example.com', role: 'admin' });
  assert.equal(promoted.role, 'admin');
  assert.equal(promoted.updated_at.getTime(), clock.now);
  const demoted = await store.ensureUser({ id, email: 'b@example.com', role: 'user' });
  assert.equal(demoted.role, 'user', 'removing the role in Kratos removes it here');
  assert.equal(demoted.email, 'b@example.com');
  clock.now = T0;
});

test('unchanged identities within the touch interval are served without a write', async () => {
  const id = randomUUID();
  const first = await store.ensureUser({ id, email: null, role: 'user' });
  await store.db
    .updateTable('profiles')
    .set({ email: 'changed-behind-our-back' })
    .where('id', '=', id)
    .execute();
  const again = await store.ensureUser({ id, email: null, role: 'user' });
  assert.deepEqual(again, first);
});

test('race-safe: 30 concurrent first requests through two stores create exactly one row', async () => {
  const other = await openProfileStore({ database: store.db, migrate: true });
  const id = randomUUID();
  const results = await Promise.all(
    Array.from({ length: 30 }, (_v, i) =>
      (i % 2 ? store : other).ensureUser({ id, email: 'race@example.com', role: 'user' }),
    ),
  );
  assert.ok(results.every((p) => p.id === id));
  const rows = await store.db.selectFrom('profiles').selectAll().where('id', '=', id).execute();
  assert.equal(rows.length, 1);
  await other.close(); // shared Kysely: not destroyed
  assert.ok(await store.getProfile(id));
});

test('migrations are idempotent', async () => {
  const again = await openProfileStore({ database: store.db });
  await again.close();
  const tables = await store.db.introspection.getTables();
  assert.ok(tables.some((t) => t.name === 'profiles'));
});

test('direct-mode getUser provisions the profile and reads its role', async () => {
  const kratos: FakeKratos = await startFakeKratos();
  try {
    const { token, session } = kratos.addSession({ role: 'admin', email: 'boss@example.com' });
    const vestibule = createVestibule({
      mode: 'direct',
      kratosPublicURL: kratos.url,
      profiles: store,
    });
    const user = await vestibule.getUser(
      new Request('http://app/x', { headers: { cookie: `ory_kratos_session=${token}` } }),
    );
    assert.equal(user?.role, 'admin');
    assert.equal((await store.getProfile(session.identity.id))?.email, 'boss@example.com');
  } finally {
    await kratos.close();
  }
});

test('database targets: memory, directories, postgres URLs; bad input is a TypeError', () => {
  assert.deepEqual(parseDatabaseTarget('memory'), { kind: 'memory' });
  assert.deepEqual(parseDatabaseTarget('pglite:./data'), { kind: 'directory', path: './data' });
  assert.deepEqual(parseDatabaseTarget('./data'), { kind: 'directory', path: './data' });
  assert.deepEqual(parseDatabaseTarget('postgres://u:p@db/app'), {
    kind: 'url',
    url: 'postgres://u:p@db/app',
  });
  assert.throws(() => parseDatabaseTarget('pglite:'), TypeError);
});

test('rows survive closing and reopening the directory database', async () => {
  const id = randomUUID();
  await store.ensureUser({ id, email: 'persist@example.com', role: 'user' });
  await store.close();
  store = await openProfileStore({ database: dir });
  assert.equal((await store.getProfile(id))?.email, 'persist@example.com');
});

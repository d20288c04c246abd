// The one migrated-PGlite template the servers, the edge store and the demo app share. What must
// hold: a new database (memory or an empty directory) has the schema; an existing directory opens
// as it is; the key is the SQL (the same from differently written sources, different after a schema
// change, whose old template is pruned); a damaged cache is rebuilt, never fatal; no cache works too.
import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { PGlite } from '@electric-sql/pglite';
import { sql, type Kysely } from 'kysely';
import { pgliteTemplate, schemaKey } from '../src/pglite-template/index.ts';

const root = mkdtempSync(join(tmpdir(), 'pglite-template-test-'));
const cacheTmp = join(root, 'tmp');
const savedTmp = process.env.TMPDIR;
before(() => {
  // The per-user cache lives under os.tmpdir(): this file's own, so other processes are untouched.
  process.env.TMPDIR = cacheTmp;
  delete process.env.VESTIBULE_PGLITE_TEMPLATE_CACHE;
});
after(() => {
  process.env.TMPDIR = savedTmp;
  rmSync(root, { recursive: true, force: true });
});

const createItems = (column: string) => async (db: Kysely<unknown>) => {
  await sql`create table if not exists items (id int primary key, ${sql.raw(column)} text)`.execute(
    db,
  );
};
const schemaFor = (column: string, name = 'test-items') => {
  const apply = createItems(column);
  return {
    name,
    key: () => schemaKey(apply),
    migrate: async (db: PGlite) =>
      void (await db.exec(`create table if not exists items (id int primary key, ${column} text)`)),
  };
};
const cached = () => readdirSync(join(cacheTmp, readdirSync(cacheTmp)[0]!)).sort();
const columns = async (db: PGlite) =>
  (
    await db.query<{ column_name: string }>(
      `select column_name from information_schema.columns where table_name = 'items' order by 1`,
    )
  ).rows.map((r) => r.column_name);

test('the key is the SQL sent: equal for different source text, different for another schema', async () => {
  const a = await schemaKey(createItems('label'));
  const b = await schemaKey(async function (db) {
    // Written differently (as tsc's output differs from the source), the same statement.
    await sql`create table if not exists items (id int primary key, ${sql.raw('label')} text)`.execute(
      db,
    );
  });
  assert.equal(a, b);
  assert.notEqual(a, await schemaKey(createItems('title')));
  assert.match(a, /^[0-9a-f]{16}$/);
});

test('memory and new directories get the schema, an existing directory keeps its data', async () => {
  const template = pgliteTemplate(schemaFor('label'));
  const memory = await template.openMemory();
  assert.deepEqual(await columns(memory), ['id', 'label']);
  await memory.close();

  const dir = join(root, 'data');
  const first = await template.openDirectory(dir);
  assert.deepEqual(await columns(first), ['id', 'label']);
  await first.exec(`insert into items values (1, 'kept')`);
  await first.close();
  const files = cached();
  assert.equal(
    files.filter((f) => /^test-items-[0-9a-f]{16}\.tar$/.test(f)).length,
    1,
    files.join(),
  );
  assert.equal(files.filter((f) => /^test-items-[0-9a-f]{16}\.d$/.test(f)).length, 1, files.join());

  const reopened = await template.openDirectory(dir);
  assert.deepEqual((await reopened.query('select label from items')).rows, [{ label: 'kept' }]);
  await reopened.close();
  // Another new directory starts from the template, not from the first one's data.
  const other = await pgliteTemplate(schemaFor('label')).openDirectory(join(root, 'other'));
  assert.deepEqual((await other.query('select * from items')).rows, []);
  await other.close();
});

test('a directory holding only other files (a secrets file) is seeded beside them, which stay', async () => {
  const dir = join(root, 'with-secrets');
  mkdirSync(dir);
  writeFileSync(join(dir, 'secrets.json'), '{"kept":true}');
  const db = await pgliteTemplate(schemaFor('label')).openDirectory(dir);
  assert.deepEqual(await columns(db), ['id', 'label']);
  await db.close();
  assert.equal(readFileSync(join(dir, 'secrets.json'), 'utf8'), '{"kept":true}');
  assert.ok(existsSync(join(dir, 'PG_VERSION')));
});

test('a changed schema builds its own template and prunes the old one', async () => {
  const before = cached().filter((f) => f.startsWith('test-items-'));
  const changed = pgliteTemplate(schemaFor('title'));
  const db = await changed.openMemory();
  assert.deepEqual(await columns(db), ['id', 'title']);
  await db.close();
  const now = cached().filter((f) => f.startsWith('test-items-'));
  assert.equal(now.length, 1, now.join());
  assert.ok(!before.includes(now[0]!), 'a new file for the new key');
  assert.equal((await changed.prepare()).built, true, 'prepare() adds the extracted copy');
  assert.equal((await changed.prepare()).built, false, 'and finds both next time');
});

test('a damaged cache (dump and extracted copy) is rebuilt by the next process, not fatal', async () => {
  const spec = schemaFor('note', 'damaged');
  assert.equal((await pgliteTemplate(spec).prepare()).built, true);
  const dir = join(cacheTmp, readdirSync(cacheTmp)[0]!);
  const tar = readdirSync(dir).find((f) => /^damaged-.*\.tar$/.test(f))!;
  writeFileSync(join(dir, tar), 'not a tar file');
  writeFileSync(join(dir, tar.replace(/\.tar$/, '.d'), 'PG_VERSION'), 'garbage\n');
  // A new template object is what a new process has: nothing of the good dump in memory.
  const memory = await pgliteTemplate(spec).openMemory();
  assert.deepEqual(await columns(memory), ['id', 'note']);
  await memory.close();
  // The extracted copy went with the dump; made again, then damaged alone.
  assert.equal((await pgliteTemplate(spec).prepare()).built, true);
  writeFileSync(join(dir, tar.replace(/\.tar$/, '.d'), 'PG_VERSION'), 'garbage\n');
  const fresh = await pgliteTemplate(spec).openDirectory(join(root, 'after-damage'));
  assert.deepEqual(await columns(fresh), ['id', 'note']);
  await fresh.close();
  assert.equal((await pgliteTemplate(spec).prepare()).built, false, 'the cache is whole again');
});

test('with the file cache off, databases still open migrated and nothing is written', async () => {
  process.env.VESTIBULE_PGLITE_TEMPLATE_CACHE = '0';
  try {
    const spec = schemaFor('x', 'uncached');
    const template = pgliteTemplate(spec);
    const db = await template.openDirectory(join(root, 'uncached'));
    assert.deepEqual(await columns(db), ['id', 'x']);
    await db.close();
    assert.equal((await template.prepare()).file, undefined);
    assert.ok(!existsSync(join(cacheTmp, readdirSync(cacheTmp)[0]!, 'uncached')));
    assert.deepEqual(
      cached().filter((f) => f.startsWith('uncached-')),
      [],
    );
  } finally {
    delete process.env.VESTIBULE_PGLITE_TEMPLATE_CACHE;
  }
});

test('a template’s settings apply to every database it opens: memory, new and existing directories', async () => {
  const template = pgliteTemplate({
    ...schemaFor('label', 'test-settings'),
    settings: { shared_buffers: '16MB', work_mem: '2MB' },
  });
  const shown = async (db: PGlite) =>
    (await db.query<{ shared_buffers: string }>('show shared_buffers')).rows[0]!.shared_buffers +
    ' ' +
    (await db.query<{ work_mem: string }>('show work_mem')).rows[0]!.work_mem;
  const memory = await template.openMemory();
  assert.equal(await shown(memory), '16MB 2MB');
  await memory.close();
  const dir = join(root, 'settings');
  const fresh = await template.openDirectory(dir);
  assert.equal(await shown(fresh), '16MB 2MB');
  await fresh.close();
  const reopened = await template.openDirectory(dir);
  assert.equal(await shown(reopened), '16MB 2MB');
  await reopened.close();
  // Without settings, PGlite's own (initdb's 128 MB of shared buffers).
  const plain = await pgliteTemplate(schemaFor('label', 'test-settings')).openMemory();
  assert.equal(
    (await plain.query<{ shared_buffers: string }>('show shared_buffers')).rows[0]!.shared_buffers,
    '128MB',
  );
  await plain.close();
});

test('a setting name that is not a plain identifier is refused before anything starts', () => {
  for (const name of ['shared_buffers=1; drop', 'a b', '']) {
    assert.throws(
      () => pgliteTemplate({ ...schemaFor('label'), settings: { [name]: '1' } }),
      /not a plain name=value/,
    );
  }
  assert.throws(
    () => pgliteTemplate({ ...schemaFor('label'), settings: { work_mem: '1MB\n-c fsync=off' } }),
    /not a plain name=value/,
  );
});

test('the dump is not held in memory once the cache file has it: the next open reads the file', async () => {
  const template = pgliteTemplate(schemaFor('note', 'damaged'));
  await (await template.openMemory()).close();
  const dir = join(cacheTmp, readdirSync(cacheTmp)[0]!);
  const tar = readdirSync(dir).find((f) => /^damaged-.*\.tar$/.test(f))!;
  rmSync(join(dir, tar));
  // Were the first dump still held, this open would use it and write nothing.
  const again = await template.openMemory();
  assert.deepEqual(await columns(again), ['id', 'note']);
  await again.close();
  assert.ok(existsSync(join(dir, tar)), 'rebuilt and written again');
});

// A new PGlite edge store starts from a cached, migrated template instead of initdb. What must hold:
// it is migrated, it carries no per-store values (each store makes its own audit key), data written
// to a directory survives a reopen, and a damaged cached template is rebuilt rather than fatal.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { openEdgeStore } from '../../src/store/index.ts';
import { HOST_TAG } from '../../src/store/database.ts';

const execFileAsync = promisify(execFile);
const STORE_MODULE = new URL('../../src/store/index.ts', import.meta.url).href;
const root = mkdtempSync(join(tmpdir(), 'edge-store-template-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('a new directory store is migrated from the template, keeps its data, shares no values', async () => {
  const dir = join(root, 'a');
  const first = await openEdgeStore(dir);
  const key = await first.sharedValue('audit_hash_key', () => 'store-a-key');
  assert.equal(key, 'store-a-key');
  const tables = await first.db.selectFrom('vestibule_attempt_counters').select('key').execute();
  assert.deepEqual(tables, []);
  await first.close();

  const reopened = await openEdgeStore(dir);
  assert.equal(await reopened.sharedValue('audit_hash_key', () => 'other'), 'store-a-key');
  // An existing store reopens with the small settings too (PostgreSQL's shared memory is RSS).
  assert.deepEqual(await footprintSettings(reopened), SMALL_FOOTPRINT);
  await reopened.close();

  // Another new store from the same template starts without the first one's values.
  const second = await openEdgeStore(join(root, 'b'));
  assert.equal(await second.sharedValue('audit_hash_key', () => 'store-b-key'), 'store-b-key');
  await second.close();
  const memory = await openEdgeStore('memory');
  assert.equal(await memory.sharedValue('audit_hash_key', () => 'memory-key'), 'memory-key');
  assert.deepEqual(await footprintSettings(memory), SMALL_FOOTPRINT);
  await memory.close();
});

// Issue 15 (memory): initdb's defaults made 141 MB of shared memory, 8 MB of buffers still 14 MB.
const SMALL_FOOTPRINT = { shared_buffers: '2MB', max_connections: '4', shared_memory_size: '5MB' };

async function footprintSettings(store: Awaited<ReturnType<typeof openEdgeStore>>) {
  const { rows } = await sql<typeof SMALL_FOOTPRINT>`
    SELECT current_setting('shared_buffers') AS shared_buffers,
      current_setting('max_connections') AS max_connections,
      current_setting('shared_memory_size') AS shared_memory_size`.execute(store.db);
  return { ...rows[0] };
}

test('a damaged cached template (dump and extracted copy) is rebuilt by the next process, not fatal', async () => {
  // Fresh processes with their own temp dir: the first builds and caches the template, then the
  // cached file is damaged, and the second must still open a new store and rewrite the cache.
  const tmp = join(root, 'tmp');
  mkdirSync(tmp);
  const openInChild = (dir: string) =>
    execFileAsync(
      process.execPath,
      [
        '--conditions=@vestibule/source',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `const { openEdgeStore } = await import(${JSON.stringify(STORE_MODULE)});
         const s = await openEdgeStore(${JSON.stringify(dir)});
         await s.sharedValue('k', () => 'v');
         await s.close();`,
      ],
      { env: { ...process.env, TMPDIR: tmp, VESTIBULE_PGLITE_TEMPLATE_CACHE: '1' } },
    );
  await openInChild(join(root, 'd'));
  const cached = readdirSync(tmp, { recursive: true, encoding: 'utf8' });
  const dumps = cached.filter((n) => /edge-store-[0-9a-f]{16}\.tar$/.test(n));
  assert.equal(dumps.length, 1, 'the first process cached the dump');
  const file = join(tmp, dumps[0]!);
  const extracted = file.replace(/\.tar$/, '.d');
  assert.ok(statSync(join(extracted, 'PG_VERSION')).isFile(), 'and the extracted directory');
  // Both damaged: the copied directory does not open, the dump does not load.
  writeFileSync(file, 'not a tar file');
  writeFileSync(join(extracted, 'PG_VERSION'), 'garbage\n');
  await openInChild(join(root, 'e'));
  assert.ok(statSync(file).size > 1_000_000, 'the damaged dump was rebuilt');
  // The next new store copies a good directory again.
  await openInChild(join(root, 'f'));
  assert.notEqual(readFileSync(join(extracted, 'PG_VERSION'), 'utf8'), 'garbage\n');
});

test('a memory store lives in a throwaway directory: gone on close, and a dead process’s is swept', async () => {
  // A pid that is surely gone: a child that has exited.
  const { pid: deadPid } = await new Promise<{ pid: number }>((resolve) => {
    const child = execFile(process.execPath, ['-e', '0']);
    child.once('exit', () => resolve({ pid: child.pid! }));
  });
  const host = HOST_TAG;
  assert.ok(
    host.startsWith(
      hostname()
        .replace(/[^A-Za-z0-9.]/g, '_')
        .slice(0, 64),
    ),
  );
  assert.match(host, /\.\d+$/, 'the pid namespace is part of it on Linux');
  const stale = join(tmpdir(), `vestibule-edge-store-${host}-${deadPid}-stale`);
  mkdirSync(stale, { recursive: true });
  writeFileSync(join(stale, 'PG_VERSION'), '17\n');
  // Another host's (a container sharing this tmp directory): its pid means nothing here.
  const foreign = join(tmpdir(), `vestibule-edge-store-other-host-${deadPid}-live`);
  mkdirSync(foreign, { recursive: true });
  const ours = () =>
    readdirSync(tmpdir()).filter((n) =>
      n.startsWith(`vestibule-edge-store-${host}-${process.pid}-`),
    );
  const before = ours();

  const store = await openEdgeStore('memory');
  try {
    const made = ours().filter((n) => !before.includes(n));
    assert.equal(made.length, 1, 'one directory of this process');
    assert.ok(statSync(join(tmpdir(), made[0]!, 'PG_VERSION')).isFile());
    assert.throws(() => statSync(stale), { code: 'ENOENT' }, 'the dead process’s one is swept');
    assert.ok(statSync(foreign).isDirectory(), 'another host’s store is left alone');
    assert.equal(await store.sharedValue('k', () => 'v'), 'v');
  } finally {
    await store.close();
  }
  assert.deepEqual(ours(), before, 'removed on close');
  rmSync(foreign, { recursive: true, force: true });
});

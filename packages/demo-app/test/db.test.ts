// A new data directory is seeded from the blank template (no initdb on the first `npm start`) and is
// a real on-disk database: what is written survives a reopen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../src/db.ts';

test('openDatabase on a new directory: seeded, migrated, and persistent across a reopen', async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'demo-db-')), 'data');
  try {
    const db = await openDatabase(dir);
    assert.ok((await readdir(dir)).includes('PG_VERSION'));
    await db.insertInto('notes').values({ owner_id: 'owner-1', title: 'kept', body: '' }).execute();
    await db.destroy();
    const again = await openDatabase(dir);
    const rows = await again.selectFrom('notes').select(['title']).execute();
    assert.deepEqual(rows, [{ title: 'kept' }]);
    await again.destroy();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

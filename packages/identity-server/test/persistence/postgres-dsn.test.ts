// PostgreSQL DSNs go through `pg`. No server runs here, so this pins the failure path: a clear
// error that does not echo the DSN's password, and no pool left open to keep the process alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPersister } from '../../src/persistence/index.ts';

test('an unreachable PostgreSQL DSN fails fast with a clear error and leaks no secret', async () => {
  await assert.rejects(
    openPersister('postgres://kratos:s3cr3t-pw@127.0.0.1:1/kratos'),
    (err: unknown) => {
      assert.ok(err instanceof Error);
      assert.match(err.message, /^database migrations failed: .*ECONNREFUSED/);
      assert.doesNotMatch(err.message, /s3cr3t-pw/);
      return true;
    },
  );
});

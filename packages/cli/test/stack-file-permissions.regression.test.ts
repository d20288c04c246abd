// <data dir>/stack.json holds the demo edge's identity-header secret (for `vestibule doctor`): it is
// written owner-only (0600), like secrets.json, also when it existed before with wider permissions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStackFile, STACK_FILE, writeStackFile } from '../src/stack/stack-file.ts';

test('stack.json is written 0600, and an existing world-readable one is tightened', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-stack-file-'));
  const path = join(dir, STACK_FILE);
  writeFileSync(path, '{}');
  chmodSync(path, 0o644);
  writeStackFile(dir, { edge: { gateway: { header_secret: 's'.repeat(40) } } });
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.deepEqual(readStackFile(dir)?.edge, { gateway: { header_secret: 's'.repeat(40) } });
  assert.equal(readStackFile(mkdtempSync(join(tmpdir(), 'vestibule-no-stack-'))), undefined);
});

// `vestibule-identity-server serve --config kratos.yml` behaves like `kratos serve -c`: prints the
// URLs, serves both APIs, stops on SIGTERM; a bad config exits 1 naming the key, never a stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { writeConfig } from './support.ts';

const BIN = fileURLToPath(new URL('../../src/bin.ts', import.meta.url));

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'error' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, out: () => stdout, err: () => stderr };
}

test('serve --config starts both APIs, prints their URLs and stops on SIGTERM', async () => {
  const { path, publicPort, adminPort } = await writeConfig();
  const proc = run(['serve', '--config', path]);
  try {
    while (!proc.out().includes('admin API listening')) {
      if (proc.child.exitCode !== null) assert.fail(`bin exited: ${proc.err()}`);
      await once(proc.child.stdout, 'data');
    }
    assert.match(
      proc.out(),
      new RegExp(`public API listening on http://127\\.0\\.0\\.1:${publicPort}`),
    );
    assert.match(
      proc.out(),
      new RegExp(`admin API listening on http://127\\.0\\.0\\.1:${adminPort}`),
    );
    const alive = await fetch(`http://127.0.0.1:${publicPort}/health/alive`);
    assert.equal(alive.status, 200);
    const ready = await fetch(`http://127.0.0.1:${adminPort}/health/ready`);
    assert.equal(ready.status, 200);
  } finally {
    proc.child.kill('SIGTERM');
  }
  const [code] = (await once(proc.child, 'exit')) as [number | null];
  assert.equal(code, 0);
});

test('an invalid config exits 1 naming the key; usage errors exit 2', async () => {
  const { path } = await writeConfig((config) => {
    (config.session as Record<string, unknown>).lifespan = 'forever';
  });
  const bad = run(['serve', '--config', path]);
  const [code] = (await once(bad.child, 'exit')) as [number | null];
  assert.equal(code, 1);
  assert.match(bad.err(), /session\.lifespan/);
  assert.doesNotMatch(bad.err(), /\n\s+at /, 'no stack trace');

  const usage = run(['serve']);
  const [usageCode] = (await once(usage.child, 'exit')) as [number | null];
  assert.equal(usageCode, 2);
  assert.match(usage.err(), /usage:/);
});

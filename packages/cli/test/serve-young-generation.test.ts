// `vestibule serve`'s young generation (issue 15, memory): semi-spaces capped at 4 MB by default,
// kept at run time since V8 reads its size flag only at start; 0 leaves V8's own growth, an operator's
// node flag wins, anything else is refused. The cap itself is checked in a child process that grows
// its young generation the way a burst of session-cache misses does.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SEMI_SPACE_MB, semiSpaceCapMB } from '../src/commands/serve-young-generation.ts';
import { UsageError } from '../src/terminal/args.ts';

test('4 MB semi-spaces unless told otherwise; 0 leaves V8 its own growth', () => {
  assert.equal(DEFAULT_SEMI_SPACE_MB, 4);
  assert.equal(semiSpaceCapMB({}), 4);
  assert.equal(semiSpaceCapMB({ VESTIBULE_SEMI_SPACE_MB: '' }), 4);
  assert.equal(semiSpaceCapMB({ VESTIBULE_SEMI_SPACE_MB: '8' }), 8);
  assert.equal(semiSpaceCapMB({ VESTIBULE_SEMI_SPACE_MB: '0' }), undefined);
});

test("an operator's own semi-space flag wins, however it is spelled", () => {
  for (const flag of [
    '--max-semi-space-size=8',
    '--min-semi-space-size=4',
    '--semi-space-growth-factor=2',
    '--max_semi_space_size=8',
  ]) {
    assert.equal(semiSpaceCapMB({}, [flag]), undefined, flag);
    assert.equal(semiSpaceCapMB({ NODE_OPTIONS: `--conditions=x ${flag}` }), undefined);
  }
  assert.equal(
    semiSpaceCapMB({ NODE_OPTIONS: '--max-old-space-size=512', VESTIBULE_SEMI_SPACE_MB: '2' }),
    2,
  );
});

test('a semi-space size other than 0 to 16 MB is refused, naming the variable', () => {
  for (const bad of ['-1', '1.5', 'four', '17', '4 --expose-gc']) {
    assert.throws(
      () => semiSpaceCapMB({ VESTIBULE_SEMI_SPACE_MB: bad }),
      (err: unknown) => err instanceof UsageError && /VESTIBULE_SEMI_SPACE_MB/.test(err.message),
      bad,
    );
  }
});

const MODULE = fileURLToPath(new URL('../src/commands/serve-young-generation.ts', import.meta.url));

/** The young generation's size (MB, both semi-spaces) after a burst that survives, in a fresh node. */
function youngGenerationAfterBurst(capMB: number | undefined): number {
  const script = `
    const { capSemiSpaces } = await import(${JSON.stringify(MODULE)});
    const { getHeapSpaceStatistics } = await import('node:v8');
    capSemiSpaces(${capMB === undefined ? 'undefined' : capMB});
    // Many small turns of the event loop, each allocating objects of which many survive a while
    // (a ring of recent ones): what makes V8 grow its semi-spaces.
    const ring = new Array(200000);
    let n = 0;
    for (let turn = 0; turn < 400; turn++) {
      for (let i = 0; i < 2000; i++) ring[n++ % ring.length] = { id: n, name: 'session-' + n };
      await new Promise((resolve) => setImmediate(resolve));
    }
    const size = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    process.stdout.write(String(size / 2 ** 20));
  `;
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
  );
  return Number(out);
}

test('capSemiSpaces keeps the young generation at the cap through a burst V8 alone grows it in', () => {
  const uncapped = youngGenerationAfterBurst(undefined);
  const capped = youngGenerationAfterBurst(4);
  // The burst does grow V8's own young generation past the cap (else this test proves nothing).
  assert.ok(uncapped > 8, `V8's own young generation after the burst: ${uncapped} MB`);
  assert.ok(capped <= 8, `capped at 4 MB per semi-space, got ${capped} MB for both`);
});

// `vestibule serve`'s WebAssembly compiler (issue 15, memory): V8's default unless
// VESTIBULE_WASM_TIER_UP=0 asks for its baseline compiler only (the embedded store's optimised
// recompilation costs ~45 MB; Liftoff costs the upstream hop CPU), an operator's own node flag left
// alone, anything else refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baselineWasmOnly } from '../src/commands/serve-wasm.ts';
import { UsageError } from '../src/terminal/args.ts';

test('V8 its tier-up unless told 0; 0 keeps the baseline compiler only', () => {
  assert.equal(baselineWasmOnly({}), false);
  assert.equal(baselineWasmOnly({ VESTIBULE_WASM_TIER_UP: '' }), false);
  assert.equal(baselineWasmOnly({ VESTIBULE_WASM_TIER_UP: '0' }), true);
  assert.equal(baselineWasmOnly({ VESTIBULE_WASM_TIER_UP: '1' }), false);
});

test("the operator's own node flag about Liftoff or tier-up wins", () => {
  for (const flag of [
    '--no-liftoff-only',
    '--liftoff',
    '--wasm-tier-up',
    '--no-wasm-dynamic-tiering',
  ])
    assert.equal(baselineWasmOnly({ VESTIBULE_WASM_TIER_UP: '0' }, [flag]), false, flag);
  assert.equal(
    baselineWasmOnly({ VESTIBULE_WASM_TIER_UP: '0' }, ['--heap-growing-percent=10', '--expose-gc']),
    true,
  );
});

test('anything but 0 or 1 is refused, naming the variable', () => {
  for (const bad of ['yes', 'true', '2', ' 1', '--liftoff-only']) {
    assert.throws(
      () => baselineWasmOnly({ VESTIBULE_WASM_TIER_UP: bad }),
      (err: unknown) => err instanceof UsageError && /VESTIBULE_WASM_TIER_UP/.test(err.message),
      bad,
    );
  }
});

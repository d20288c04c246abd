// `vestibule serve`'s heap growth (issue 15, memory): 10 % by default, 0 for V8's own factor, an
// operator's --heap-growing-percent node flag left alone, anything else refused with a clear error.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_HEAP_GROWING_PERCENT, heapGrowingPercent } from '../src/commands/serve-heap.ts';
import { UsageError } from '../src/terminal/args.ts';

test('10 % unless told otherwise; 0 leaves V8 its own factor', () => {
  assert.equal(DEFAULT_HEAP_GROWING_PERCENT, 10);
  assert.equal(heapGrowingPercent({}), 10);
  assert.equal(heapGrowingPercent({ VESTIBULE_HEAP_GROWING_PERCENT: '' }), 10);
  assert.equal(heapGrowingPercent({ VESTIBULE_HEAP_GROWING_PERCENT: '25' }), 25);
  assert.equal(heapGrowingPercent({ VESTIBULE_HEAP_GROWING_PERCENT: '0' }), undefined);
});

test("the operator's own node flag wins, from the command line or NODE_OPTIONS", () => {
  assert.equal(heapGrowingPercent({}, ['--heap-growing-percent=50']), undefined);
  assert.equal(
    heapGrowingPercent({ NODE_OPTIONS: '--conditions=x --heap-growing-percent=50' }),
    undefined,
  );
  assert.equal(heapGrowingPercent({ NODE_OPTIONS: '--max-old-space-size=512' }), 10);
});

test('anything but a whole number from 0 to 400 is refused, naming the variable', () => {
  for (const bad of ['-5', '1.5', 'ten', '401', '10 --expose-gc']) {
    assert.throws(
      () => heapGrowingPercent({ VESTIBULE_HEAP_GROWING_PERCENT: bad }),
      (err: unknown) =>
        err instanceof UsageError && /VESTIBULE_HEAP_GROWING_PERCENT/.test(err.message),
      bad,
    );
  }
});

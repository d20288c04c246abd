// The terminal seam's small parts: progress only for work over a second (mocked timers, no real
// waiting), colours by terminal and NO_COLOR, tables, and the demo stack file's permissions.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { withSlowProgress } from '../src/terminal/progress-delay.ts';
import { colourEnabled } from '../src/terminal/style.ts';
import { formatTable, formatTime } from '../src/terminal/table.ts';
import { memoryIO } from './support/memory-io.ts';

test('progress appears only once work has taken a second, and says when it finished', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  try {
    const quick = memoryIO();
    await withSlowProgress(quick.io, 'listing users', () => Promise.resolve(1));
    assert.equal(quick.err(), '', 'quick work prints nothing');

    const slow = memoryIO();
    let finish!: () => void;
    const running = withSlowProgress(
      slow.io,
      'listing users',
      () => new Promise<void>((r) => (finish = r)),
    );
    mock.timers.tick(999);
    assert.equal(slow.err(), '');
    mock.timers.tick(1);
    assert.equal(slow.err(), '◌ listing users…\n');
    finish();
    await running;
    assert.match(slow.err(), /✓ listing users \(\d+\.\ds\)\n$/);
    assert.equal(slow.out(), '', 'progress stays off stdout (JSON output stays parseable)');
  } finally {
    mock.timers.reset();
  }
});

test('colour only on a terminal, and never with NO_COLOR set (non-empty)', () => {
  assert.equal(colourEnabled({ isTTY: true, env: {} }), true);
  assert.equal(colourEnabled({ isTTY: false, env: {} }), false);
  assert.equal(colourEnabled({ env: {} }), false);
  assert.equal(colourEnabled({ isTTY: true, env: { NO_COLOR: '1' } }), false);
  assert.equal(
    colourEnabled({ isTTY: true, env: { NO_COLOR: '' } }),
    true,
    'empty NO_COLOR is unset',
  );
});

test('tables align columns; times are ISO to the second', () => {
  assert.equal(
    formatTable(
      ['ID', 'EMAIL'],
      [
        ['1', 'a@example.com'],
        ['22', 'b'],
      ],
    ),
    'ID  EMAIL\n1   a@example.com\n22  b\n',
  );
  assert.equal(formatTime(new Date('2026-12-07T10:00:00.123Z')), '2026-12-07T10:00:00Z');
  assert.equal(formatTime(undefined), '-');
});

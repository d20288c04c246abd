// The `serve` command both embedded servers' bins run: exit codes, the printed URLs, a clean stop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serveCommand, type ServeCommand } from '../src/serve-command/index.ts';

class BadKey extends Error {}

function harness(start: ServeCommand['start']) {
  const out: string[] = [];
  const err: string[] = [];
  const command: ServeCommand = {
    usage: 'usage: x serve --config <file>',
    label: 'x server',
    isConfigError: (e) => e instanceof BadKey,
    start,
  };
  let stop!: () => void;
  const stopSignal = new Promise<void>((resolve) => (stop = resolve));
  return {
    out,
    err,
    stop,
    run: (argv: string[]) =>
      serveCommand(command, argv, {
        out: (l) => out.push(l),
        err: (l) => err.push(l),
        stopSignal,
      }),
  };
}

const never: ServeCommand['start'] = () => assert.fail('must not start');

test('usage errors exit 2 with the usage; --help exits 0', async () => {
  for (const argv of [[], ['serve'], ['run', '--config', 'a.yml'], ['serve', '--nope']]) {
    const h = harness(never);
    assert.equal(await h.run(argv), 2, argv.join(' '));
    assert.match(h.err.join('\n'), /usage: x serve --config <file>/);
  }
  const help = harness(never);
  assert.equal(await help.run(['--help']), 0);
  assert.deepEqual(help.err, ['usage: x serve --config <file>']);
});

test('starts with the config and --dev, prints its lines, closes on the stop signal, exits 0', async () => {
  const seen: unknown[] = [];
  let closed = 0;
  const h = harness(async (options) => {
    seen.push(options);
    return { lines: ['public on http://a', 'admin on http://b'], close: async () => void closed++ };
  });
  const exit = h.run(['serve', '-c', 'kratos.yml', '--dev']);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(seen, [{ configPath: 'kratos.yml', dev: true }]);
  assert.deepEqual(h.out, ['public on http://a', 'admin on http://b']);
  assert.equal(closed, 0, 'runs until stopped');
  h.stop();
  assert.equal(await exit, 0);
  assert.equal(closed, 1);
});

test('a bad config exits 1 naming it; any other start failure exits 1 with the label', async () => {
  const bad = harness(async () => {
    throw new BadKey('serve.public.port: must be a number');
  });
  assert.equal(await bad.run(['serve', '--config', 'k.yml']), 1);
  assert.deepEqual(bad.err, ['invalid config: serve.public.port: must be a number']);
  const broken = harness(async () => {
    throw new Error('EADDRINUSE');
  });
  assert.equal(await broken.run(['serve', '--config', 'k.yml']), 1);
  assert.deepEqual(broken.err, ['x server failed to start: EADDRINUSE']);
});

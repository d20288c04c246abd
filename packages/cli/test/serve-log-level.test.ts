// `vestibule serve`'s run-time log level: SIGUSR2 steps it debug → info → warn → error → debug,
// every change logged whatever the level; nothing on Windows. Then the real thing: the built bin,
// a real SIGUSR2 from outside, the edge's own access lines stopping and starting again.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger } from 'vestibule/edge';
import {
  cycleLogLevelOnSignal,
  LOG_LEVEL_SIGNAL,
  nextLogLevel,
} from '../src/commands/serve-log-level.ts';

const BIN = fileURLToPath(new URL('../bin/vestibule.js', import.meta.url));
const DIST = fileURLToPath(new URL('../dist/commands/serve-log-level.js', import.meta.url));

test('the cycle: debug → info → warn → error → debug', () => {
  assert.deepEqual(
    ['debug', 'info', 'warn', 'error'].map((l) => nextLogLevel(l as 'info')),
    ['info', 'warn', 'error', 'debug'],
  );
});

function recorder(level: 'info' | 'error' = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level, write: (l) => lines.push(JSON.parse(l)) });
  return { logger, lines };
}

test('each SIGUSR2 steps the level and logs the change; stopping removes the listener', () => {
  const { logger, lines } = recorder();
  const source = Object.assign(new EventEmitter(), { platform: 'linux' });
  const stop = cycleLogLevelOnSignal(logger, source);
  assert.equal(source.listenerCount(LOG_LEVEL_SIGNAL), 1);
  source.emit(LOG_LEVEL_SIGNAL);
  logger.info('not shown at warn');
  source.emit(LOG_LEVEL_SIGNAL);
  logger.warn('not shown at error');
  source.emit(LOG_LEVEL_SIGNAL);
  logger.debug('shown at debug');
  assert.deepEqual(
    lines.map((l) => [l.msg, l.from, l.to, l.signal]),
    [
      ['log level changed', 'info', 'warn', 'SIGUSR2'],
      ['log level changed', 'warn', 'error', 'SIGUSR2'],
      ['log level changed', 'error', 'debug', 'SIGUSR2'],
      ['shown at debug', undefined, undefined, undefined],
    ],
  );
  stop();
  assert.equal(source.listenerCount(LOG_LEVEL_SIGNAL), 0);
});

test('Windows (no SIGUSR2) and a logger whose level cannot change: no listener at all', () => {
  const { logger } = recorder();
  const windows = Object.assign(new EventEmitter(), { platform: 'win32' });
  cycleLogLevelOnSignal(logger, windows)();
  assert.equal(windows.listenerCount(LOG_LEVEL_SIGNAL), 0);
  const linux = Object.assign(new EventEmitter(), { platform: 'linux' });
  const foreign = { debug() {}, info() {}, warn() {}, error() {}, child: () => foreign };
  cycleLogLevelOnSignal(foreign, linux);
  assert.equal(linux.listenerCount(LOG_LEVEL_SIGNAL), 0);
});

test(
  'the built `vestibule serve`: kill -USR2 silences the access lines and brings them back',
  { skip: process.platform === 'win32' ? 'no SIGUSR2 on Windows' : false },
  async () => {
    assert.ok(existsSync(DIST), `${DIST} is missing: run \`npm run build\` (npm ci does)`);
    const upstream = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const dir = mkdtempSync(join(tmpdir(), 'vestibule-log-level-'));
    writeFileSync(
      join(dir, 'vestibule.yml'),
      `server: { host: 127.0.0.1, port: 0, public_url: "http://127.0.0.1:4000" }
kratos: { public_url: "http://127.0.0.1:9" }
gateway:
  upstream_url: http://127.0.0.1:${(upstream.address() as AddressInfo).port}
  header_secret: ${'c'.repeat(40)}
  rules: [{ path: '/open', mode: public }]
`,
    );
    const edge = spawn(process.execPath, [BIN, 'serve', '--config', join(dir, 'vestibule.yml')], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
    });
    let err = '';
    let out = '';
    edge.stderr.on('data', (c: Buffer) => (err += c.toString()));
    edge.stdout.on('data', (c: Buffer) => (out += c.toString()));
    // Waits for what the edge writes, never for a time window.
    const until = async (what: () => boolean) => {
      while (!what()) {
        if (edge.exitCode !== null) throw new Error(`serve exited: ${out}${err}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until(() => /ready at http:\/\/[^:]+:\d+/.test(out));
      const url = `http://127.0.0.1:${/ready at http:\/\/[^:]+:(\d+)/.exec(out)![1]}/open`;
      const lines = () =>
        err
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as Record<string, string>);
      const changes = () => lines().filter((l) => l.msg === 'log level changed');
      const requests = () =>
        lines()
          .filter((l) => l.msg === 'request')
          .map((l) => l.path);
      const step = async (to: string) => {
        const seen = changes().length;
        edge.kill('SIGUSR2');
        await until(() => changes().length > seen);
        assert.equal(changes().at(-1)!.to, to);
      };
      await step('warn');
      await step('error');
      assert.equal((await fetch(`${url}?quiet`)).status, 200);
      await step('debug');
      await step('info');
      assert.equal((await fetch(url)).status, 200);
      await until(() => requests().length > 0);
      // Only the request made at info level was logged (the quiet one was made before it).
      assert.deepEqual(requests(), ['/open']);
      assert.deepEqual(
        changes().map((c) => `${c.from}→${c.to}`),
        ['info→warn', 'warn→error', 'error→debug', 'debug→info'],
      );
    } finally {
      edge.kill('SIGTERM');
      upstream.close();
    }
  },
);

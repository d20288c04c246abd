// The JSON logger: the line shape consumers parse, and no line lost when the process ends while
// lines are still queued on the asynchronous stderr destination (a shutdown, process.exit(), a crash).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import {
  accessLineWriter,
  createLogger,
  createMemoryLogger,
  logLevelOf,
  setLogLevel,
  type AccessLine,
  type Logger,
} from '../../src/lib/logger.ts';

const loggerModule = fileURLToPath(new URL('../../src/lib/logger.ts', import.meta.url));

test('one JSON object per line: ISO time, level by name, msg, base and fields; errors summarised', () => {
  const lines: string[] = [];
  const log = createLogger({
    level: 'info',
    write: (l) => lines.push(l),
    base: { component: 'x' },
  });
  log.debug('hidden');
  log.child({ request_id: 'r1' }).info('request', { status: 200 });
  log.error('failed', { err: Object.assign(new Error('boom'), { code: 'E_X' }) });
  assert.equal(lines.length, 2);
  for (const line of lines) assert.ok(!line.includes('\n'));
  const first = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(
    { ...first, time: typeof first.time },
    {
      level: 'info',
      time: 'string',
      component: 'x',
      request_id: 'r1',
      status: 200,
      msg: 'request',
    },
  );
  assert.ok(!Number.isNaN(Date.parse(first.time as string)));
  const second = JSON.parse(lines[1]!) as Record<string, unknown>;
  assert.deepEqual(second.err, { name: 'Error', message: 'boom', code: 'E_X' });
});

test("the access line writer writes exactly pino's line for info('request', fields), bindings included", () => {
  const lines: string[] = [];
  const root = createLogger({ level: 'info', write: (l) => lines.push(l) });
  const edge = root.child({ component: 'edge', 'odd "key"': 'v\n' });
  const odd: AccessLine[] = [
    { requestId: 'r-1234567', method: 'GET', path: '/required', status: 200, durationMs: 0.4 },
    { requestId: 'r-1234567', method: 'POST', path: '/a"b\\c\u0001é', status: 503, durationMs: 12 },
    { requestId: 'r-1234567', method: 'GET', path: '/x', status: 200, durationMs: Number.NaN },
  ];
  for (const line of odd) {
    accessLineWriter(edge)(line);
    edge.info('request', {
      request_id: line.requestId,
      method: line.method,
      path: line.path,
      status: line.status,
      duration_ms: Number.isFinite(line.durationMs) ? line.durationMs : null,
    });
  }
  assert.equal(lines.length, 6);
  for (let i = 0; i < lines.length; i += 2) {
    const ours = JSON.parse(lines[i]!) as Record<string, unknown>;
    const pinos = JSON.parse(lines[i + 1]!) as Record<string, unknown>;
    assert.ok(!lines[i]!.includes('\n'));
    // Same keys in the same order, same values; the times a moment apart, in the same format.
    assert.deepEqual(Object.keys(ours), Object.keys(pinos));
    assert.deepEqual({ ...ours, time: 0 }, { ...pinos, time: 0 });
    assert.match(ours.time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(ours.time as string) - Date.parse(pinos.time as string)) < 1000);
  }
});

test('the access line writer formats any duration as JSON.stringify does (its fast path for tenths included)', () => {
  let raw = '';
  const write = accessLineWriter(createLogger({ level: 'info', write: (l) => (raw = l) }));
  const durationOf = (durationMs: number) => {
    write({ requestId: 'r-1234567', method: 'GET', path: '/', status: 200, durationMs });
    return /"duration_ms":([^,]*),"msg"/.exec(raw)![1];
  };
  const tenths = fc.integer({ min: -10, max: 2e9 }).map((t) => Math.round(t) / 10);
  fc.assert(
    fc.property(fc.oneof(tenths, fc.double()), (value) => {
      assert.equal(durationOf(value), Number.isFinite(value) ? JSON.stringify(value) : 'null');
    }),
    { numRuns: 5_000 },
  );
  for (const value of [0, 0.1, 0.3, 0.7, 1, 9.9, 10, 12.3, 99999999.9, 1e21, -0, -0.5, 0.05]) {
    assert.equal(durationOf(value), JSON.stringify(value));
  }
});

test('the access line writer: nothing below info level; a foreign Logger gets an info() call', () => {
  const lines: string[] = [];
  const quiet = createLogger({ level: 'error', write: (l) => lines.push(l) });
  accessLineWriter(quiet)({ requestId: 'r', method: 'GET', path: '/', status: 200, durationMs: 1 });
  assert.deepEqual(lines, []);
  const calls: Array<[string, Record<string, unknown> | undefined]> = [];
  const foreign: Logger = {
    debug: () => {},
    info: (msg, fields) => void calls.push([msg, fields]),
    warn: () => {},
    error: () => {},
    child: () => foreign,
  };
  accessLineWriter(foreign)({
    requestId: 'r',
    method: 'GET',
    path: '/',
    status: 204,
    durationMs: 1,
  });
  assert.deepEqual(calls, [
    ['request', { request_id: 'r', method: 'GET', path: '/', status: 204, duration_ms: 1 }],
  ]);
});

test('setLogLevel: the logger, children made before and after, and the access line follow at once', () => {
  const lines: string[] = [];
  const root = createLogger({
    level: 'info',
    write: (l) => lines.push(l),
    base: { component: 'x' },
  });
  const before = root.child({ part: 'before' });
  const access = accessLineWriter(before);
  const line: AccessLine = { requestId: 'r', method: 'GET', path: '/', status: 200, durationMs: 1 };
  const messages = () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

  assert.equal(logLevelOf(before), 'info');
  assert.equal(setLogLevel(before, 'error', { signal: 'SIGUSR2' }), 'info');
  const after = root.child({ part: 'after' });
  for (const log of [root, before, after]) {
    log.info('hidden info');
    log.warn('hidden warn');
    log.error('shown error');
  }
  access(line);
  assert.equal(logLevelOf(after), 'error');
  assert.deepEqual(messages(), ['log level changed', 'shown error', 'shown error', 'shown error']);
  const change = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.deepEqual(
    { ...change, time: typeof change.time },
    {
      level: 'info',
      time: 'string',
      signal: 'SIGUSR2',
      from: 'info',
      to: 'error',
      msg: 'log level changed',
    },
  );

  lines.length = 0;
  setLogLevel(after, 'debug');
  before.debug('shown debug');
  access(line);
  assert.deepEqual(messages(), ['log level changed', 'shown debug', 'request']);
});

test('setLogLevel: a foreign Logger is left alone; an unknown level is refused, also at creation', () => {
  const foreign: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: () => {},
    child: () => foreign,
  };
  assert.equal(setLogLevel(foreign, 'debug'), undefined);
  assert.equal(logLevelOf(foreign), undefined);
  const lines: string[] = [];
  const log = createLogger({ level: 'warn', write: (l) => lines.push(l) });
  assert.throws(() => setLogLevel(log, 'loud' as 'info'), /unknown log level: loud/);
  assert.equal(logLevelOf(log), 'warn');
  assert.deepEqual(lines, []);
  assert.throws(() => createLogger({ level: 'loud' as 'info' }), /unknown log level: loud/);
});

test('the memory logger records parsed lines at debug level', () => {
  const log = createMemoryLogger();
  log.debug('d', { a: 1 });
  assert.equal(log.lines[0]!.msg, 'd');
  assert.equal(log.lines[0]!.a, 1);
});

/** Logs `count` lines on the default (buffered) destination, then ends the way `ending` says. */
function runChild(ending: string, count: number): { stderr: string; status: number | null } {
  const script =
    `const { createLogger, flushLogs } = await import(${JSON.stringify(loggerModule)});\n` +
    `const log = createLogger({ level: 'info' });\n` +
    `for (let i = 0; i < ${count}; i++) log.info('request', { i, pad: 'x'.repeat(200) });\n` +
    ending;
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, VESTIBULE_LOG_LEVEL: '' } },
  );
  return { stderr: result.stderr, status: result.status };
}

function accessLines(stderr: string): number[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => (JSON.parse(l) as { i: number }).i);
}

const COUNT = 5_000;
const all = Array.from({ length: COUNT }, (_, i) => i);

test('queued lines are written when the process exits with process.exit()', () => {
  const { stderr, status } = runChild('process.exit(3);', COUNT);
  assert.equal(status, 3);
  assert.deepEqual(accessLines(stderr), all);
});

test('queued lines are written before a fatal uncaught exception ends the process', () => {
  const { stderr, status } = runChild("throw new Error('fatal');", COUNT);
  assert.equal(status, 1);
  assert.deepEqual(accessLines(stderr), all);
  assert.match(stderr, /Error: fatal/);
});

test('flushLogs() writes queued lines at once (what a shutdown calls)', () => {
  const { stderr } = runChild(
    "flushLogs(); process.stderr.write('after-flush\\n'); process.kill(process.pid, 'SIGKILL');",
    COUNT,
  );
  assert.deepEqual(accessLines(stderr), all);
  assert.match(stderr, /after-flush/);
});

test('a lone line on an idle process is written without waiting for more lines or the exit', async () => {
  const { spawn } = await import('node:child_process');
  const script =
    `const { createLogger } = await import(${JSON.stringify(loggerModule)});\n` +
    `createLogger({ level: 'info' }).info('lonely', { n: 1 });\n` +
    'setTimeout(() => {}, 60_000);';
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, VESTIBULE_LOG_LEVEL: '' },
  });
  try {
    // Waits for the line itself (the periodic flush), not for a time window.
    const line = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        if (err.includes('"lonely"')) resolve(err);
      });
      child.once('exit', (code) => reject(new Error(`exited ${code} before the line: ${err}`)));
    });
    assert.equal((JSON.parse(line.trim()) as { n: number }).n, 1);
  } finally {
    child.kill();
  }
});

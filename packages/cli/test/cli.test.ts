// The `vestibule` command: help and flag errors in-process, then the real binary as a child process
// (`up` on free ports until it prints its URLs and stops on SIGINT; `serve` with a broken config).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/main.ts';
import type { CLIIO } from '../src/terminal/io.ts';
import { runUp } from './support/up.ts';

const BIN = new URL('../src/bin.ts', import.meta.url).pathname;

function memoryIO(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CLIIO = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env,
    cwd: process.cwd(),
    untilStopped: () => Promise.resolve('SIGINT'),
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'vestibule-cli-')), name);
  writeFileSync(file, text);
  return file;
}

test('--help lists the commands; each command has its own --help', async () => {
  const top = memoryIO();
  assert.equal(await main(['--help'], top.io), 0);
  assert.match(top.out(), /up\s+start the demo stack/);
  assert.match(top.out(), /serve\s+start the edge alone/);
  for (const command of ['up', 'serve']) {
    const one = memoryIO();
    assert.equal(await main([command, '--help'], one.io), 0);
    assert.match(one.out(), new RegExp(`^Usage: vestibule ${command}`));
  }
});

test('a bad flag, a bad port or an unknown command is a one-line usage error with exit code 2', async () => {
  const cases: Array<[string[], RegExp]> = [
    [['up', '--prot', '4000'], /^vestibule up: Unknown option '--prot'/],
    [['up', '--port', 'eighty'], /^vestibule --port: expected a port number 0-65535, got "eighty"/],
    [['up', '--port'], /^vestibule up: Option '--port <value>' argument missing/],
    [['serve'], /^vestibule serve: --config <file> is required/],
    [['serve', 'extra'], /^vestibule serve: Unexpected argument 'extra'/],
    [['frobnicate'], /^vestibule: unknown command "frobnicate"/],
  ];
  for (const [argv, expected] of cases) {
    const run = memoryIO();
    assert.equal(await main(argv, run.io), 2, argv.join(' '));
    assert.match(run.err(), expected);
    assert.doesNotMatch(run.err(), /\n\s+at /, 'no stack trace');
  }
});

test('serve --config with an invalid file names every bad key and exits 1', async () => {
  const file = tempFile(
    'vestibule.yml',
    `kratos: { public_url: http://127.0.0.1:4433 }
gateway:
  upstream_url: http://127.0.0.1:4001
  header_secret: ${'s'.repeat(40)}
  rules:
    - { path: /, mode: public }
    - { path: /a, mode: optional }
    - { path: /admin, mode: admin }
server: { port: 70000, colour: blue }
`,
  );
  const run = memoryIO();
  assert.equal(await main(['serve', '--config', file], run.io), 1);
  assert.match(
    run.err(),
    /gateway\.rules\[2\]\.mode: expected one of public\|optional\|required\|role/,
  );
  assert.match(run.err(), /server\.port: /);
  assert.doesNotMatch(run.err(), /\n\s+at /);
});

test('serve --check validates a good file, warns about unknown keys, and requires what serve needs', async () => {
  const example = new URL('../../vestibule/examples/vestibule.yml', import.meta.url).pathname;
  const ok = memoryIO({ VESTIBULE_HEADER_SECRET: 'a-generated-secret-0123456789abcdefghij' });
  assert.equal(await main(['serve', '--config', example, '--check'], ok.io), 0);
  assert.match(ok.out(), /is valid \(0 warning\(s\)\)/);
  const asShipped = memoryIO();
  assert.equal(await main(['serve', '--config', example, '--check'], asShipped.io), 1);
  assert.match(asShipped.err(), /gateway\.header_secret: is the documented example secret/);

  const warned = memoryIO({
    VESTIBULE_KRATOS_PUBLIC_URL: 'http://127.0.0.1:4433',
    VESTIBULE_UPSTREAM_URL: 'http://127.0.0.1:4001',
  });
  const file = tempFile('w.yml', `gateway: { header_secret: ${'x'.repeat(32)}, upsteam: 1 }\n`);
  assert.equal(await main(['serve', '--config', file, '--check'], warned.io), 0);
  assert.match(
    warned.err(),
    /gateway\.upsteam: unknown key "gateway\.upsteam" is ignored \(CONFIG_UNKNOWN_KEY\)/,
  );

  const missing = memoryIO();
  assert.equal(
    await main(
      ['serve', '--config', tempFile('m.yml', 'server: { port: 4000 }\n'), '--check'],
      missing.io,
    ),
    1,
  );
  assert.match(
    missing.err(),
    /kratos\.public_url: required \(or set VESTIBULE_KRATOS_PUBLIC_URL\)/,
  );
});

test('the real binary: serve with an invalid config exits 1 naming the key, no stack trace', async () => {
  const file = tempFile('bad.yml', 'gateway:\n  rules:\n    - { path: /, mode: sometimes }\n');
  const result = await runBinary(['serve', '--config', file], { timeoutMs: 30_000 });
  assert.equal(result.code, 1);
  assert.match(
    result.stderr,
    /gateway\.rules\[0\]\.mode: expected one of public\|optional\|required\|role/,
  );
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});

test('the real binary: `vestibule up` on free ports reaches ready, prints the URLs, answers, stops on SIGINT', async () => {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      BIN,
      'up',
      '--port',
      '0',
      '--app-port',
      '0',
      '--kratos-public-port',
      '0',
      '--kratos-admin-port',
      '0',
      '--rp-port',
      '0',
      '--memory',
    ],
    { env: { ...process.env, VESTIBULE_LOG_LEVEL: 'error' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    await outputMatches(
      child,
      /Press Ctrl-C to stop/,
      () => stdout,
      90_000,
      () => `stdout:\n${stdout}\nstderr:\n${stderr}`,
    );
    assert.match(stdout, /✓ identity server ready at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(stdout, /✓ demo app ready at http:\/\/127\.0\.0\.1:\d+/);
    assert.match(stdout, /✓ edge ready at http:\/\/localhost:\d+/);
    assert.match(
      stdout,
      /◌ seeding admin account…\n(.*\n)*✓ admin account created \(admin@example\.com\)/,
    );
    const edgeURL = /Open (http:\/\/localhost:\d+)/.exec(stdout)![1]!;
    for (const path of [
      '/',
      '/registration',
      '/login',
      '/account',
      '/admin',
      '/api/whoami',
      '/dev/mailbox',
    ]) {
      assert.ok(stdout.includes(`${edgeURL}${path}`), `prints ${path}`);
    }
    assert.match(stdout, /Admin login\s+admin@example\.com \/ \S+/);
    assert.match(stdout, /RP demo\s+http:\/\/localhost:\d+\/ +\("Sign in with Notes"/);

    // The parts start side by side; "Vestibule is up" still means every one of them answers, now:
    // the edge (its readiness: Kratos and the app reached, the OAuth2 server may still be starting),
    // the demo app through it, Kratos's public API, and the admin seeded into Kratos.
    const edge = edgeURL.replace('localhost', '127.0.0.1');
    const atBanner = (await (await fetch(`${edge}/health/ready`)).json()) as {
      status: string;
      checks: Record<string, unknown>;
    };
    assert.equal(atBanner.status, 'ok');
    assert.equal(atBanner.checks.kratos, true);
    assert.equal(atBanner.checks.upstream, true);
    assert.ok(
      ['starting', true].includes(atBanner.checks.hydra as string),
      String(atBanner.checks.hydra),
    );
    const home = await fetch(`${edge}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /Notes/);
    const kratosPublic = /Kratos public API (http:\/\/127\.0\.0\.1:\d+) \(embedded\)/.exec(
      stdout,
    )![1]!;
    assert.equal((await fetch(`${kratosPublic}/health/ready`)).status, 200);
    const kratosAdmin = /✓ identity server ready at \S+ \(admin (http:\/\/127\.0\.0\.1:\d+)\)/.exec(
      stdout,
    )![1]!;
    const admins = (await (
      await fetch(`${kratosAdmin}/admin/identities?credentials_identifier=admin%40example.com`)
    ).json()) as unknown[];
    assert.equal(admins.length, 1, 'the admin is in Kratos when the banner says so');

    // The embedded OAuth2 server starts after the ready line, in the background, and says so.
    await outputMatches(
      child,
      /✓ oauth2 server \(in the background\) ready at http:\/\/localhost:\d+/,
      () => stdout,
      90_000,
      () => `stdout:\n${stdout}\nstderr:\n${stderr}`,
    );
    assert.match(stdout, /◌ starting oauth2 server \(in the background\)…/);
    assert.match(stdout, /Press Ctrl-C to stop[^]*✓ oauth2 server \(in the background\) ready/);
    const health = await fetch(`${edgeURL.replace('localhost', '127.0.0.1')}/health/ready`);
    assert.deepEqual(await health.json(), {
      status: 'ok',
      checks: { kratos: true, upstream: true, hydra: true },
    });
    const whoami = await fetch(`${edgeURL.replace('localhost', '127.0.0.1')}/api/whoami`);
    assert.deepEqual(await whoami.json(), { user: null });

    child.kill('SIGINT');
    assert.equal(await exited, 0);
    assert.match(
      stdout,
      /• SIGINT received\n◌ stopping stack…\n✓ stack stopped, every part closed/,
    );
  } finally {
    child.kill('SIGKILL');
  }
});

async function runBinary(argv: string[], options: { timeoutMs: number }) {
  const child = spawn(process.execPath, ['--import', 'tsx', BIN, ...argv], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** Resolves when the child's stdout matches (checked on every chunk), fails on exit or timeout. */
function outputMatches(
  child: ReturnType<typeof spawn>,
  pattern: RegExp,
  output: () => string,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve();
    };
    const onData = () => {
      if (pattern.test(output())) done();
    };
    const onExit = (code: number | null) =>
      done(new Error(`exited with ${code} before ${pattern}; ${describe()}`));
    const timer = setTimeout(
      () => done(new Error(`timed out waiting for ${pattern}; ${describe()}`)),
      timeoutMs,
    );
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
    onData();
  });
}

test('serve in-process: the assembled edge answers, fails closed when Kratos is down, and stops on request', async () => {
  const file = tempFile(
    'down.yml',
    `server: { port: 0, public_url: "http://localhost:4000" }
kratos: { public_url: "http://127.0.0.1:9", timeouts: { request: 2s, whoami: 2s } }
gateway:
  upstream_url: http://127.0.0.1:9
  header_secret: ${'h'.repeat(40)}
  rules:
    - { path: /open, mode: public }
    - { path: /private, mode: required }
`,
  );
  let stop!: (signal: string) => void;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  let ready!: (url: string) => void;
  const listening = new Promise<string>((resolve) => (ready = resolve));
  const out: string[] = [];
  const io: CLIIO = {
    stdout: (t) => {
      out.push(t);
      const url = /✓ edge ready at (http:\/\/\S+)/.exec(t)?.[1];
      if (url) ready(url);
    },
    stderr: (t) => void out.push(t),
    env: { VESTIBULE_LOG_LEVEL: 'error' },
    cwd: process.cwd(),
    untilStopped: () => stopped,
  };
  const exit = main(['serve', '--config', file], io);
  const url = await Promise.race([
    listening,
    exit.then((code) => assert.fail(`serve exited ${code}: ${out.join('')}`)),
  ]);
  try {
    assert.equal((await fetch(`${url}/health`)).status, 200);
    const readiness = await fetch(`${url}/health/ready`);
    assert.equal(readiness.status, 503);
    assert.deepEqual(await readiness.json(), {
      status: 'unavailable',
      checks: { kratos: false, upstream: false },
    });

    const denied = await fetch(`${url}/private`, {
      headers: { accept: 'application/json', cookie: 'ory_kratos_session=abc' },
    });
    assert.equal(denied.status, 503, 'a required route fails closed while Kratos is unreachable');
    assert.ok(denied.headers.get('x-request-id'));

    const unknown = await fetch(`${url}/not-in-the-rules`, {
      headers: { accept: 'application/json' },
    });
    assert.equal(unknown.status, 404, 'no matching rule: denied by default');

    const proxied = await fetch(`${url}/api/ory/sessions/whoami`, {
      headers: { accept: 'application/json' },
    });
    const body = await proxied.text();
    assert.ok(
      proxied.status === 502 || proxied.status === 504,
      `proxy to a dead Kratos: ${proxied.status}`,
    );
    assert.ok(
      body.includes(proxied.headers.get('x-request-id')!),
      'the error names the request id',
    );
    assert.ok(!body.includes('127.0.0.1:9'), 'no internal address in the body');

    const admin = await fetch(`${url}/api/ory/admin/identities`);
    assert.equal(admin.status, 404, 'admin paths are not proxied');
  } finally {
    stop('SIGTERM');
  }
  assert.equal(await exit, 0);
  assert.match(out.join(''), /• SIGTERM received\n◌ stopping edge…\n✓ edge stopped/);
});

test('up with VESTIBULE_KRATOS_PUBLIC_URL uses that Kratos and does not start the embedded server', async () => {
  const up = await runUp(['--memory'], { VESTIBULE_KRATOS_PUBLIC_URL: 'http://127.0.0.1:9' });
  try {
    const text = up.text();
    assert.match(
      text,
      /• using Kratos at http:\/\/127\.0\.0\.1:9 \(embedded identity server not started\)/,
    );
    assert.doesNotMatch(text, /starting identity server/);
    assert.match(text, /• no kratos\.admin_url configured: the admin account was not seeded/);
    assert.doesNotMatch(text, /Admin login/);
    // The embedded OAuth2 server comes up after the banner (in the background).
    await up.printed(/✓ oauth2 server \(in the background\) ready/);
    const ready = await fetch(`${up.edgeURL}/health/ready`);
    assert.deepEqual(await ready.json(), {
      status: 'unavailable',
      checks: { kratos: false, upstream: true, hydra: true },
    });
  } finally {
    assert.equal(await up.stop(), 0);
  }
});

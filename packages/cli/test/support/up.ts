// `vestibule up` in-process: run main() until the ready banner, read what it printed, stop it the
// way Ctrl-C does. No timing: it resolves on the banner and fails if the command exits first.
import assert from 'node:assert/strict';
import { main } from '../../src/main.ts';
import type { CLIIO } from '../../src/terminal/io.ts';

export interface RunningUp {
  /** Everything printed so far (stdout and stderr, in order). */
  text(): string;
  /** The edge's URL from the banner, on 127.0.0.1. */
  edgeURL: string;
  /** Resolves once the output matches (e.g. the background OAuth2 server's ready line). */
  printed(pattern: RegExp): Promise<void>;
  /** Sends the stop signal and returns the exit code. */
  stop(): Promise<number>;
}

export async function runUp(
  argv: string[],
  env: Record<string, string | undefined>,
): Promise<RunningUp> {
  let signal!: (name: string) => void;
  const stopped = new Promise<string>((resolve) => (signal = resolve));
  let ready!: () => void;
  const banner = new Promise<void>((resolve) => (ready = resolve));
  const out: string[] = [];
  const waiting = new Set<() => void>();
  const push = (t: string) => {
    out.push(t);
    for (const check of waiting) check();
  };
  const io: CLIIO = {
    stdout: (t) => {
      push(t);
      if (t.includes('Press Ctrl-C to stop')) ready();
    },
    stderr: (t) => push(t),
    env: { VESTIBULE_LOG_LEVEL: 'error', ...env },
    cwd: process.cwd(),
    untilStopped: () => stopped,
  };
  // The embedded OAuth2 server's and the RP demo's ports too: Hydra's defaults (4444/4445) and 4002
  // may be taken by a running stack.
  const exit = main(
    [
      'up',
      '--port',
      '0',
      '--app-port',
      '0',
      '--hydra-public-port',
      '0',
      '--hydra-admin-port',
      '0',
      '--rp-port',
      '0',
      ...argv,
    ],
    io,
  );
  await Promise.race([
    banner,
    exit.then((code) => assert.fail(`up exited ${code}: ${out.join('')}`)),
  ]);
  const text = () => out.join('');
  const edgeURL = /Open (http:\/\/localhost:\d+)/
    .exec(text())![1]!
    .replace('localhost', '127.0.0.1');
  return {
    text,
    edgeURL,
    printed: (pattern) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!pattern.test(text())) return;
          waiting.delete(check);
          resolve();
        };
        waiting.add(check);
        check();
      }),
    stop: () => {
      signal('SIGINT');
      return exit;
    },
  };
}

// `vestibule serve` in-process on a given port until "edge ready"; stop() sends the signal and
// returns the exit code. Resolves on the ready line, fails if the command exits first.
import assert from 'node:assert/strict';
import { main } from '../../src/main.ts';
import type { CLIIO } from '../../src/terminal/io.ts';

export async function serveEdge(options: {
  cwd: string;
  config: string;
  port: number;
  env: Record<string, string>;
}): Promise<{ url: string; output(): string; stop(): Promise<number> }> {
  let stop!: (signal: string) => void;
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  let ready!: () => void;
  const listening = new Promise<void>((resolve) => (ready = resolve));
  const out: string[] = [];
  const io: CLIIO = {
    stdout: (t) => {
      out.push(t);
      if (t.includes('✓ edge ready')) ready();
    },
    stderr: (t) => void out.push(t),
    cwd: options.cwd,
    env: {
      VESTIBULE_LOG_LEVEL: 'error',
      VESTIBULE_PORT: String(options.port),
      VESTIBULE_PUBLIC_URL: `http://127.0.0.1:${options.port}`,
      ...options.env,
    },
    untilStopped: () => stopped,
  };
  const exit = main(['serve', '--config', options.config], io);
  await Promise.race([
    listening,
    exit.then((code) => assert.fail(`serve exited ${code}: ${out.join('')}`)),
  ]);
  return {
    url: `http://127.0.0.1:${options.port}`,
    output: () => out.join(''),
    stop: () => {
      stop('SIGTERM');
      return exit;
    },
  };
}

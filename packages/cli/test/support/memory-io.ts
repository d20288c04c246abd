// An in-process CLIIO for command tests: captured output, a chosen env, optional TTY and answers.
import type { CLIIO } from '../../src/terminal/io.ts';

export function memoryIO(
  env: Record<string, string | undefined> = {},
  options: { tty?: boolean; answers?: boolean[]; stdin?: string; cwd?: string } = {},
) {
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  const answers = [...(options.answers ?? [])];
  const io: CLIIO = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env,
    cwd: options.cwd ?? process.cwd(),
    untilStopped: () => Promise.resolve('SIGINT'),
    isTTY: options.tty ?? false,
    ...(options.tty
      ? {
          confirm: (q: string) => {
            questions.push(q);
            return Promise.resolve(answers.shift() ?? false);
          },
        }
      : {}),
    ...(options.stdin !== undefined ? { readStdin: () => Promise.resolve(options.stdin!) } : {}),
  };
  return { io, out: () => out.join(''), err: () => err.join(''), questions };
}

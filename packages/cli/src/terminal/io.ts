// What a command needs from its process, injectable so commands run in-process in tests.
import { createInterface } from 'node:readline/promises';
export interface CLIIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Resolves when the user asks to stop (Ctrl-C / SIGTERM). */
  untilStopped: () => Promise<string>;
  cwd: string;
  /** stdin and stdout are a terminal: colours may be used and questions asked. Unset = not a TTY. */
  isTTY?: boolean;
  /** Asks a yes/no question on the terminal (unset: nobody to ask, so destructive commands refuse). */
  confirm?: (question: string) => Promise<boolean>;
  /** The whole of stdin (`--password-stdin`). */
  readStdin?: () => Promise<string>;
  /**
   * `stderr` is the process's own: the edge's JSON logs may then bypass `stderr` and go through the
   * logger's buffered stderr destination (a synchronous write per access line halves throughput).
   */
  processStderr?: boolean;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Help for a subcommand (`vestibule users list --help`); `usage` when unset. */
  help?(argv: string[]): string;
  run(argv: string[], io: CLIIO): Promise<number>;
}

export function processIO(): CLIIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    isTTY: Boolean(process.stdout.isTTY && process.stdin.isTTY),
    confirm: askYesNo,
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    processStderr: true,
    untilStopped: () =>
      new Promise((resolve) => {
        const stop = (signal: string) => {
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
          resolve(signal);
        };
        const onInt = () => stop('SIGINT');
        const onTerm = () => stop('SIGTERM');
        process.once('SIGINT', onInt);
        process.once('SIGTERM', onTerm);
      }),
  };
}

/** "Delete user x? [y/N]" on stderr (stdout stays clean for pipes); anything but y/yes is no. */
async function askYesNo(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(`${question} [y/N] `)).trim());
  } finally {
    prompt.close();
  }
}

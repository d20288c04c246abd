// What a command needs from its process, injectable so commands run in-process in tests.
export interface CLIIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** Resolves when the user asks to stop (Ctrl-C / SIGTERM). */
  untilStopped: () => Promise<string>;
  cwd: string;
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
  run(argv: string[], io: CLIIO): Promise<number>;
}

export function processIO(): CLIIO {
  return {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
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

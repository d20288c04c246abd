// The `serve --config <file> [--dev]` command both embedded servers ship as their bin
// (`vestibule-identity-server`, `vestibule-oauth2-server`), like `kratos serve -c` and
// `hydra serve all -c`: parse the arguments, start, print where it listens, stop cleanly on
// SIGINT/SIGTERM. Exit codes: 0 stopped (or --help), 2 usage error, 1 failed to start — a config
// error names the bad key.

import { parseArgs } from 'node:util';

export interface StartedServer {
  /** Printed once it listens (its URLs). */
  lines: string[];
  close(): Promise<void>;
}

export interface ServeCommand {
  /** The usage text, printed on --help and after a usage error. */
  usage: string;
  /** How a start failure is introduced: "identity server" → "identity server failed to start: …". */
  label: string;
  start(options: { configPath: string; dev: boolean }): Promise<StartedServer>;
  /** Whether a start failure is a bad config (printed as `invalid config: …`). */
  isConfigError(err: unknown): boolean;
}

export interface ServeIO {
  out(line: string): void;
  err(line: string): void;
  /** Settles when the server should stop (default: the first SIGINT or SIGTERM). */
  stopSignal?: Promise<unknown>;
}

/** Runs the command; resolves to the process's exit code (never exits itself: see `runServeBin`). */
export async function serveCommand(
  command: ServeCommand,
  argv: string[],
  io: ServeIO,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        dev: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${command.usage}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] !== 'serve' || !values.config) {
    io.err(command.usage);
    return values.help ? 0 : 2;
  }
  // Listened for before the start: a signal during a slow start still stops it cleanly.
  const stop = io.stopSignal ?? firstSignal();
  let server: StartedServer;
  try {
    server = await command.start({ configPath: values.config, dev: values.dev });
  } catch (err) {
    if (command.isConfigError(err)) io.err(`invalid config: ${(err as Error).message}`);
    else io.err(`${command.label} failed to start: ${(err as Error)?.message ?? String(err)}`);
    return 1;
  }
  for (const line of server.lines) io.out(line);
  await stop;
  await server.close();
  return 0;
}

/** A bin's whole body: runs the command on `process.argv` and exits with its code. */
export function runServeBin(command: ServeCommand): void {
  serveCommand(command, process.argv.slice(2), {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  }).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`${command.label} failed: ${(err as Error)?.message ?? String(err)}`);
      process.exit(1);
    },
  );
}

function firstSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

// `vestibule <command>`: dispatch, --help for every command, and one place that turns errors into
// a clear message and an exit code (2 = usage, 1 = failed), never a stack trace.
import { UsageError } from './terminal/args.ts';
import type { CLIIO, Command } from './terminal/io.ts';
import { Cancelled } from './terminal/confirm.ts';

// Each command's module is loaded only when that command runs: `vestibule serve` is a long-lived
// process, and every module imported stays in its memory for good — the dev stack, doctor's probes,
// add-auth's parser and the SMTP transport were ~11 MB of RSS it never used (issue 15).
const commands: ReadonlyArray<readonly [name: string, load: () => Promise<Command>]> = [
  ['up', async () => (await import('./commands/up.ts')).upCommand],
  ['serve', async () => (await import('./commands/serve.ts')).serveCommand],
  ['doctor', async () => (await import('./commands/doctor.ts')).doctorCommand],
  ['generate', async () => (await import('./commands/generate.ts')).generateCommand],
  ['add-auth', async () => (await import('./commands/add-auth.ts')).addAuthCommand],
  ['users', async () => (await import('./commands/users.ts')).usersCommand],
  ['sessions', async () => (await import('./commands/sessions.ts')).sessionsCommand],
  ['roles', async () => (await import('./commands/roles.ts')).rolesCommand],
  ['oauth2', async () => (await import('./commands/oauth2.ts')).oauth2Command],
  ['lockout', async () => (await import('./commands/lockout.ts')).lockoutCommand],
  ['audit', async () => (await import('./commands/audit.ts')).auditCommand],
];

/** The overview lists every command's summary: only help loads them all. */
async function overview(): Promise<string> {
  const loaded = await Promise.all(commands.map(([, load]) => load()));
  return `vestibule: the Ory glue for web apps

Usage: vestibule <command> [flags]

Commands:
${loaded.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join('\n')}

Run "vestibule <command> --help" for a command's flags and examples.

Exit codes: 0 ok, 1 failed (a check, a call, a refused answer), 2 usage (unknown flag, missing
argument, a destructive action without --yes and no terminal to ask).
Colours only on a terminal, never with NO_COLOR set.
`;
}

export async function main(argv: string[], io: CLIIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(await overview());
    return name === undefined ? 2 : 0;
  }
  const load = commands.find(([known]) => known === name)?.[1];
  if (!load) {
    io.stderr(`vestibule: unknown command "${name}"\n\n${await overview()}`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help?.(rest) ?? command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    return await reportFailure(err, command, io);
  }
}

async function reportFailure(err: unknown, command: Command, io: CLIIO): Promise<number> {
  // The app library's entry (and the database drivers it exports) only on this path: a running
  // `vestibule serve` never needs it.
  const { VestibuleError } = await import('vestibule');
  if (err instanceof UsageError) {
    io.stderr(`vestibule ${err.message}\nRun "vestibule ${command.name} --help" for usage.\n`);
    return 2;
  }
  if (err instanceof VestibuleError && err.code === 'CONFIG_INVALID') {
    io.stderr(`✗ invalid configuration:\n${indent(err.message)}\n`);
    return 1;
  }
  if (err instanceof Cancelled) {
    io.stderr(`${err.message}\n`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  io.stderr(`✗ vestibule ${command.name} failed: ${message}\n`);
  if (io.env.VESTIBULE_DEBUG) io.stderr(`${(err as Error)?.stack ?? ''}\n`);
  return 1;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

// `vestibule <command>`: dispatch, --help for every command, and one place that turns errors into
// a clear message and an exit code (2 = usage, 1 = failed), never a stack trace.
import { VestibuleError } from 'vestibule';
import { UsageError } from './terminal/args.ts';
import type { CLIIO, Command } from './terminal/io.ts';
import { rolesCommand } from './commands/roles.ts';
import { Cancelled } from './terminal/confirm.ts';
import { oauth2Command } from './commands/oauth2.ts';
import { serveCommand } from './commands/serve.ts';
import { lockoutCommand } from './commands/lockout.ts';
import { auditCommand } from './commands/audit.ts';
import { upCommand } from './commands/up.ts';
import { usersCommand } from './commands/users.ts';
import { sessionsCommand } from './commands/sessions.ts';
import { doctorCommand } from './commands/doctor.ts';
import { generateCommand } from './commands/generate.ts';
import { addAuthCommand } from './commands/add-auth.ts';

const commands: Command[] = [
  upCommand,
  serveCommand,
  doctorCommand,
  generateCommand,
  addAuthCommand,
  usersCommand,
  sessionsCommand,
  rolesCommand,
  oauth2Command,
  lockoutCommand,
  auditCommand,
];

const overview = `vestibule: the Ory glue for web apps

Usage: vestibule <command> [flags]

Commands:
${commands.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join('\n')}

Run "vestibule <command> --help" for a command's flags and examples.

Exit codes: 0 ok, 1 failed (a check, a call, a refused answer), 2 usage (unknown flag, missing
argument, a destructive action without --yes and no terminal to ask).
Colours only on a terminal, never with NO_COLOR set.
`;

export async function main(argv: string[], io: CLIIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(overview);
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr(`vestibule: unknown command "${name}"\n\n${overview}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.help?.(rest) ?? command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    return reportFailure(err, command, io);
  }
}

function reportFailure(err: unknown, command: Command, io: CLIIO): number {
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

// `vestibule <command>`: dispatch, --help for every command, and one place that turns errors into
// a clear message and an exit code (2 = usage, 1 = failed), never a stack trace.
import { VestibuleError } from 'vestibule';
import { UsageError } from './terminal/args.ts';
import type { CLIIO, Command } from './terminal/io.ts';
import { serveCommand } from './commands/serve.ts';
import { lockoutCommand } from './commands/lockout.ts';
import { auditCommand } from './commands/audit.ts';
import { upCommand } from './commands/up.ts';

const commands: Command[] = [upCommand, serveCommand, lockoutCommand, auditCommand];

const overview = `vestibule: the Ory glue for web apps

Usage: vestibule <command> [flags]

Commands:
${commands.map((c) => `  ${c.name.padEnd(8)}${c.summary}`).join('\n')}

Run "vestibule <command> --help" for a command's flags.
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
    io.stdout(command.usage);
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

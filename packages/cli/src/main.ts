// `vestibule <command>`: dispatch, --help for every command, and one place that turns errors into
// a clear message and an exit code (2 = usage, 1 = failed), never a stack trace.
import { UsageError } from './terminal/args.ts';
import type { CLIIO, Command } from './terminal/io.ts';
import { Cancelled } from './terminal/confirm.ts';

/**
 * Every command by name and summary (the overview), its module loaded only when it runs: `vestibule
 * up` then never loads doctor's, generate's or add-auth's code (acorn, diff, the Hydra probes), which
 * was about 0.15 s of `npm start`'s module loading. `main-commands.test.ts` holds each summary to
 * the one in its module.
 */
export const commandIndex: ReadonlyArray<{
  name: string;
  summary: string;
  load(): Promise<Command>;
}> = [
  {
    name: 'up',
    summary: 'start the demo stack (identity server, demo app, edge) with progress output',
    load: async () => (await import('./commands/up.ts')).upCommand,
  },
  {
    name: 'serve',
    summary: 'start the edge alone from a vestibule.yml (real Kratos, your app)',
    load: async () => (await import('./commands/serve.ts')).serveCommand,
  },
  {
    name: 'doctor',
    summary:
      'check a deployment (Kratos, proxy, cookies, secrets, rules, Hydra) and say how to fix it',
    load: async () => (await import('./commands/doctor.ts')).doctorCommand,
  },
  {
    name: 'generate',
    summary: 'write docker-compose, kratos.yml, Oathkeeper rules or Helm values from vestibule.yml',
    load: async () => (await import('./commands/generate.ts')).generateCommand,
  },
  {
    name: 'add-auth',
    summary: 'wire Vestibule into an existing app (preview; --write applies)',
    load: async () => (await import('./commands/add-auth.ts')).addAuthCommand,
  },
  {
    name: 'users',
    summary: 'list, show, create, re-role, disable, enable and delete users (Kratos admin API)',
    load: async () => (await import('./commands/users.ts')).usersCommand,
  },
  {
    name: 'sessions',
    summary: 'list and revoke sessions (Kratos admin API)',
    load: async () => (await import('./commands/sessions.ts')).sessionsCommand,
  },
  {
    name: 'roles',
    summary: "set or show an identity's role (metadata_public.role in Kratos)",
    load: async () => (await import('./commands/roles.ts')).rolesCommand,
  },
  {
    name: 'oauth2',
    summary: 'manage OAuth2 clients on Hydra (clients create|list|delete)',
    load: async () => (await import('./commands/oauth2.ts')).oauth2Command,
  },
  {
    name: 'lockout',
    summary: 'list or clear login lockouts',
    load: async () => (await import('./commands/lockout.ts')).lockoutCommand,
  },
  {
    name: 'audit',
    summary: 'read the login audit log (tail, query)',
    load: async () => (await import('./commands/audit.ts')).auditCommand,
  },
];

/** The overview lists every command's summary from the index: no command module is loaded. */
function overview(): string {
  return `vestibule: the Ory glue for web apps

Usage: vestibule <command> [flags]

Commands:
${commandIndex.map((c) => `  ${c.name.padEnd(10)}${c.summary}`).join('\n')}

Run "vestibule <command> --help" for a command's flags and examples.

Exit codes: 0 ok, 1 failed (a check, a call, a refused answer), 2 usage (unknown flag, missing
argument, a destructive action without --yes and no terminal to ask).
Colours only on a terminal, never with NO_COLOR set.
`;
}

export async function main(argv: string[], io: CLIIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(overview());
    return name === undefined ? 2 : 0;
  }
  const entry = commandIndex.find((c) => c.name === name);
  if (!entry) {
    io.stderr(`vestibule: unknown command "${name}"\n\n${overview}`);
    return 2;
  }
  const command = await entry.load();
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

// `vestibule add-auth`: wires Vestibule into an existing app. Shows the change as a diff; only
// --write applies it, and a second run changes nothing.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { parseFlags, UsageError } from '../terminal/args.ts';
import type { CLIIO, Command } from '../terminal/io.ts';
import { createStyle } from '../terminal/style.ts';
import { detectApp, FRAMEWORKS, type Framework } from '../add-auth/detect.ts';
import { planChanges } from '../add-auth/plan.ts';

const usage = `Usage: vestibule add-auth [--framework express|fastify|hono|next|node] [--dir <app>] [--write]

In an existing app: detects the framework from package.json, and shows the minimal change — the
adapter wired into the entry file, a GET /api/me handler that shows getUser(), and a vestibule.yml
with rules for the routes it can see (Express/Fastify/Hono registrations in the entry, Next.js app/
and pages/). Nothing is written without --write; running it again changes nothing.

Flags:
  --framework <name>  skip detection
  --dir <app>         the app's directory (default: the current one)
  --write             apply the change
  -h, --help          this help

Examples:
  vestibule add-auth
  vestibule add-auth --write && npm install vestibule @vestibule/cli
`;

export const addAuthCommand: Command = {
  name: 'add-auth',
  summary: 'wire Vestibule into an existing app (preview; --write applies)',
  usage,
  async run(argv: string[], io: CLIIO): Promise<number> {
    const flags = parseFlags('add-auth', argv, {
      framework: { type: 'string' },
      dir: { type: 'string' },
      write: { type: 'boolean' },
    });
    if (flags.framework && !FRAMEWORKS.includes(flags.framework as Framework)) {
      throw new UsageError(`add-auth: --framework must be one of ${FRAMEWORKS.join(', ')}`);
    }
    const dir = resolve(io.cwd, flags.dir ?? '.');
    const facts = detectApp(dir, flags.framework as Framework | undefined);
    const changes = planChanges(facts);
    const style = createStyle(io);
    io.stdout(
      `• ${facts.framework} app${facts.entry ? ` (entry ${facts.entry})` : ''}, ${facts.routes.length} route(s) found\n`,
    );
    if (changes.length === 0) {
      io.stdout(style.ok('✓ already wired: nothing to change\n'));
      return 0;
    }
    for (const change of changes) {
      const patch = createTwoFilesPatch(
        change.before === undefined ? '/dev/null' : `a/${change.path}`,
        `b/${change.path}`,
        change.before ?? '',
        change.after,
        undefined,
        undefined,
        { context: 3 },
      );
      io.stdout(
        patch
          .split('\n')
          .slice(1)
          .map((l) => (l.startsWith('+') ? style.ok(l) : l.startsWith('-') ? style.fail(l) : l))
          .join('\n'),
      );
    }
    if (!flags.write) {
      io.stdout('\nNothing written (a preview). Apply with: vestibule add-auth --write\n');
    } else {
      for (const change of changes) {
        const path = join(dir, change.path);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, change.after);
        io.stdout(`✓ wrote ${change.path}\n`);
      }
    }
    io.stdout('\nThen install: npm install vestibule && npm install --save-dev @vestibule/cli\n');
    return 0;
  },
};

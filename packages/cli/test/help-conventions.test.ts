// The CLI's conventions, for every command and subcommand: `--help` exits 0 and shows examples
// that name the command; the exit codes (0 ok, 1 failed, 2 usage) are documented in the overview
// and in packages/cli/README.md, which lists every command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { main } from '../src/main.ts';
import { memoryIO } from './support/memory-io.ts';

async function help(argv: string[]) {
  const io = memoryIO({});
  const code = await main([...argv, '--help'], io.io);
  return { code, out: io.out() };
}

async function commandNames(): Promise<string[]> {
  const { out } = await help([]);
  const list = out.slice(out.indexOf('Commands:'), out.indexOf('Run "vestibule <command> --help"'));
  return [...list.matchAll(/^ {2}([a-z][\w-]*)\s/gm)].map((m) => m[1]!);
}

/** Subcommands with their own help: the overview cannot list them, so they are named here. */
const SUBCOMMANDS: Record<string, string[][]> = {
  generate: [['compose'], ['kratos'], ['oathkeeper'], ['helm']],
  users: [['list'], ['show'], ['create'], ['set-role'], ['disable'], ['enable'], ['delete']],
  sessions: [['list'], ['revoke']],
  roles: [['set'], ['get']],
  oauth2: [['clients'], ['clients', 'create']],
  lockout: [['list'], ['clear']],
  audit: [['tail'], ['query']],
};

test('every command and subcommand: --help exits 0 with examples that name it', async () => {
  const names = await commandNames();
  assert.ok(names.length >= 11, names.join(', '));
  for (const name of names) {
    for (const sub of [[], ...(SUBCOMMANDS[name] ?? [])]) {
      const argv = [name, ...sub];
      const { code, out } = await help(argv);
      assert.equal(code, 0, argv.join(' '));
      const examples = out.slice(out.indexOf('Examples:'));
      assert.ok(out.includes('Examples:'), `${argv.join(' ')} --help has no Examples:`);
      assert.match(examples, new RegExp(`\\n {2}vestibule ${name}\\b`), argv.join(' '));
    }
  }
});

test('exit codes 0/1/2 are in the overview and in the README, which lists every command', async () => {
  const { out } = await help([]);
  assert.match(out, /Exit codes: 0 ok, 1 failed .*, 2 usage/s);
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  for (const code of ['0', '1', '2'])
    assert.match(readme, new RegExp(`^\\| ${code}\\s+\\|`, 'm'), `exit code ${code} in the README`);
  for (const name of await commandNames())
    assert.match(readme, new RegExp(`\`vestibule ${name}\\b`), `${name} in the README`);
});

// `vestibule lockout list` / `vestibule lockout clear <identifier>`: who is locked out, and unlock.
import { parseArgs } from 'node:util';
import { reachProtection } from '../protection/reach.ts';
import { UsageError } from '../terminal/args.ts';
import type { CLIIO, Command } from '../terminal/io.ts';

const usage = `Usage: vestibule lockout list [flags]
       vestibule lockout clear <identifier|address> [flags]

Lists identifiers and client addresses with recent failed logins or an active lock, or clears one
(its failures, its lock and the doubling). A running edge is reached through its admin endpoint
(protection.admin in vestibule.yml, or the demo stack's secret under the data dir); when none
answers, the store is opened directly.

Flags:
  --config <file>    the edge's vestibule.yml (env VESTIBULE_CONFIG); unset: the demo stack
  --url <url>        the edge's URL (env VESTIBULE_EDGE_URL; default server.public_url)
  --data-dir <dir>   the demo stack's data dir (env VESTIBULE_DATA_DIR, default .data)
  --json             machine-readable output
  -h, --help         this help

Examples:
  vestibule lockout list
  vestibule lockout clear ada@example.com --config vestibule.yml
  vestibule lockout list --json | jq '.[] | select(.locked_until)'
`;

export const lockoutCommand: Command = {
  name: 'lockout',
  summary: 'list or clear login lockouts',
  usage,
  async run(argv: string[], io: CLIIO): Promise<number> {
    const { values, positionals } = parse(argv);
    const [action, target, ...extra] = positionals;
    if (action !== 'list' && action !== 'clear')
      throw new UsageError('lockout: expected "list" or "clear <identifier>"');
    if (action === 'clear' && !target)
      throw new UsageError('lockout clear: expected an identifier or an address');
    if (extra.length > 0 || (action === 'list' && target))
      throw new UsageError('lockout: too many arguments');
    const access = await reachProtection(values, io);
    try {
      if (action === 'clear') {
        const cleared = await access.clear(target!);
        if (values.json) io.stdout(JSON.stringify({ cleared }) + '\n');
        else io.stdout(cleared ? `✓ cleared ${target}\n` : `• nothing recorded for ${target}\n`);
        return 0;
      }
      const rows = await access.lockouts();
      if (values.json) {
        io.stdout(JSON.stringify(rows) + '\n');
        return 0;
      }
      if (rows.length === 0) io.stdout('• no lockouts and no recent failures\n');
      for (const r of rows) {
        const state = r.locked_until
          ? `locked until ${r.locked_until}`
          : `${r.failures} recent failure(s)`;
        io.stdout(`${r.scope.padEnd(26)} ${r.key.padEnd(36)} ${state}\n`);
      }
      return 0;
    } finally {
      await access.close();
    }
  },
};

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        url: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError(`lockout: ${(err as Error).message}`);
  }
}

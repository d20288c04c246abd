// `vestibule audit tail` (follow new events) and `vestibule audit query --identity <id> --since 24h`.
import { parseArgs } from 'node:util';
import { parseDuration } from 'vestibule/config';
import { reachProtection, type AuditFilter, type AuditLine } from '../protection/reach.ts';
import { UsageError } from '../terminal/args.ts';
import type { CLIIO, Command } from '../terminal/io.ts';

const usage = `Usage: vestibule audit tail [flags]
       vestibule audit query [--identity <id>] [--identifier <email>] [--since 24h] [flags]

The login protection's audit log: logins, lockouts, captcha failures, registrations, recoveries,
password and email changes. Identifiers are stored as a keyed hash: --identifier hashes yours the
same way. \`tail\` prints the latest events and follows until Ctrl-C.

Flags:
  --identity <id>      only this identity's events
  --identifier <text>  only events for this identifier (email, username)
  --since <duration>   only events newer than this (e.g. 30m, 24h, 7d)
  --limit <n>          at most this many events (default 1000; tail: the last 20)
  --config <file>      the edge's vestibule.yml (env VESTIBULE_CONFIG); unset: the demo stack
  --url <url>          the edge's URL (env VESTIBULE_EDGE_URL)
  --data-dir <dir>     the demo stack's data dir (default .data)
  --json               one JSON object per line
  -h, --help           this help

Examples:
  vestibule audit tail
  vestibule audit query --identifier ada@example.com --since 7d
  vestibule audit query --since 24h --json | jq -c 'select(.event == "lockout_started")'
`;

const POLL_MS = 2_000;

export const auditCommand: Command = {
  name: 'audit',
  summary: 'read the login audit log (tail, query)',
  usage,
  async run(argv: string[], io: CLIIO): Promise<number> {
    const { values, positionals } = parse(argv);
    const [action, ...extra] = positionals;
    if ((action !== 'tail' && action !== 'query') || extra.length > 0) {
      throw new UsageError('audit: expected "tail" or "query"');
    }
    const filter: AuditFilter = {
      identity: values.identity,
      identifier: values.identifier,
      since: values.since === undefined ? undefined : sinceOf(values.since, Date.now()),
      limit: values.limit === undefined ? undefined : limitOf(values.limit),
    };
    const access = await reachProtection(values, io);
    const print = (events: AuditLine[]) => {
      for (const e of events) io.stdout((values.json ? JSON.stringify(e) : line(e)) + '\n');
    };
    try {
      if (action === 'query') {
        print(await access.audit(filter));
        return 0;
      }
      // tail: the last few, then whatever arrives after the newest one seen.
      const all = await access.audit({ ...filter, limit: 10_000 });
      const last = all.slice(-(filter.limit ?? 20));
      print(last);
      let after = all.at(-1)?.id;
      const stop = io.untilStopped();
      let stopped = false;
      void stop.then(() => (stopped = true));
      while (!stopped) {
        await Promise.race([stop, new Promise((r) => setTimeout(r, POLL_MS).unref())]);
        if (stopped) break;
        const fresh = await access.audit({ ...filter, ...(after ? { after } : {}) });
        print(fresh);
        after = fresh.at(-1)?.id ?? after;
      }
      return 0;
    } finally {
      await access.close();
    }
  },
};

function line(e: AuditLine): string {
  const who = e.identityId ?? (e.identifierHash ? `#${e.identifierHash.slice(0, 12)}` : '-');
  return `${e.at}  ${e.event.padEnd(22)} ${who.padEnd(36)} ${e.clientAddress ?? '-'}  ${e.requestId ?? ''}`;
}

/** `24h`, `30m`, `7d` → the instant that long ago. */
export function sinceOf(text: string, now: number): Date {
  const days = /^(\d+)d$/.exec(text.trim());
  const ms = days ? Number(days[1]) * 86_400_000 : parseDuration(text);
  if (ms === undefined)
    throw new UsageError(`audit: --since: expected a duration like 24h or 7d, got "${text}"`);
  return new Date(now - ms);
}

function limitOf(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1)
    throw new UsageError(`audit: --limit: expected a number, got "${text}"`);
  return Number(text);
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        identity: { type: 'string' },
        identifier: { type: 'string' },
        since: { type: 'string' },
        limit: { type: 'string' },
        config: { type: 'string' },
        url: { type: 'string' },
        'data-dir': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
  } catch (err) {
    throw new UsageError(`audit: ${(err as Error).message}`);
  }
}

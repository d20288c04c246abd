// `vestibule sessions list|revoke`: sessions in Kratos through its admin API (official SDK). All
// sessions or one user's; revoking asks first (--yes skips the question, required without a TTY).
import type { Session } from '@ory/client-fetch';
import { countOption, parseCommandLine, UsageError } from '../terminal/args.ts';
import { confirmDestructive } from '../terminal/confirm.ts';
import { withSlowProgress } from '../terminal/progress-delay.ts';
import { createStyle } from '../terminal/style.ts';
import { commandWithSubcommands, type Subcommand } from '../terminal/subcommands.ts';
import { formatTable, formatTime } from '../terminal/table.ts';
import { emailOf, findUser, nextPageToken } from '../ory/kratos-admin.ts';
import { adminFor, CONNECTION_FLAGS, printJSON } from './users.ts';

const connection = { config: { type: 'string' }, json: { type: 'boolean' } } as const;

const list: Subcommand = {
  name: 'list',
  summary: "list sessions: everyone's, or one user's with --user",
  usage: `Usage: vestibule sessions list [--user <id|email>] [--active] [--page-size n] [--page-token t | --all] [--json]

Flags:
  --user <id|email> only this user's sessions
  --active          only sessions still active
  --page-size <n>   sessions per page (default 50)
  --page-token <t>  the page to show (from the previous page's footer)
  --all             every page
${CONNECTION_FLAGS}

Examples:
  vestibule sessions list --active
  vestibule sessions list --user ada@example.com --json
`,
  async run(argv, io) {
    const { values } = parseCommandLine(
      'sessions list',
      argv,
      {
        ...connection,
        user: { type: 'string' },
        active: { type: 'boolean' },
        'page-size': { type: 'string' },
        'page-token': { type: 'string' },
        all: { type: 'boolean' },
      },
      { min: 0, max: 0, names: '' },
    );
    if (values.all && values['page-token']) {
      throw new UsageError('sessions list: --all and --page-token do not go together');
    }
    const admin = adminFor(values, io);
    const pageSize = countOption('--page-size', values['page-size'], 50);
    const userID = values.user ? (await findUser(admin, values.user)).id : undefined;
    const filter = { pageSize, ...(values.active ? { active: true } : {}) };
    const sessions: Session[] = [];
    let token = values['page-token'];
    let next: string | undefined;
    await withSlowProgress(io, 'listing sessions', async () => {
      do {
        const page = await admin.call('listing sessions', (api) => {
          const paging = { ...filter, ...(token ? { pageToken: token } : {}) };
          return userID
            ? api.listIdentitySessionsRaw({ id: userID, ...paging })
            : api.listSessionsRaw({ ...paging, expand: ['identity'] });
        });
        sessions.push(...(await page.value()));
        next = nextPageToken(page.raw.headers.get('link'));
        token = next;
      } while (values.all && next);
    });
    if (values.json) return printJSON(io, sessions);
    const style = createStyle(io);
    const rows = sessions.map((s) => [
      s.id,
      s.identity ? emailOf(s.identity) || s.identity.id : '',
      s.active ? 'active' : 'inactive',
      formatTime(s.authenticated_at),
      formatTime(s.expires_at),
    ]);
    io.stdout(formatTable(['ID', 'USER', 'STATE', 'AUTHENTICATED', 'EXPIRES'], rows, style.bold));
    io.stdout(`${sessions.length} session(s)\n`);
    if (next) io.stdout(`next page: vestibule sessions list --page-token ${next}\n`);
    return 0;
  },
};

const revoke: Subcommand = {
  name: 'revoke',
  summary: 'revoke one session by id, or every session of a user with --user; asks first',
  usage: `Usage: vestibule sessions revoke <session-id> | --user <id|email> [--yes]

Revokes a session (the browser is signed out on its next request once the edge's session cache
expires), or with --user every session of that user.

Flags:
  --user <id|email> revoke all of this user's sessions
  --yes             do not ask (required when not on a terminal)
${CONNECTION_FLAGS}

Examples:
  vestibule sessions revoke 3b1e…-…
  vestibule sessions revoke --user ada@example.com --yes
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(
      'sessions revoke',
      argv,
      { ...connection, user: { type: 'string' }, yes: { type: 'boolean' } },
      { min: 0, max: 1, names: 'a session id or --user' },
    );
    const sessionID = positionals[0];
    if (Boolean(sessionID) === Boolean(values.user)) {
      throw new UsageError('sessions revoke: give either a session id or --user <id|email>');
    }
    const admin = adminFor(values, io);
    const options = { yes: values.yes, command: 'sessions revoke' };
    if (values.user) {
      const user = await findUser(admin, values.user);
      const name = emailOf(user) || user.id;
      await confirmDestructive(io, `Revoke every session of ${name}?`, options);
      await admin.call(`revoking the sessions of ${values.user}`, (api) =>
        api.deleteIdentitySessions({ id: user.id }),
      );
      if (values.json) return printJSON(io, { revoked_sessions_of: user.id });
      io.stdout(`✓ revoked every session of ${name}\n`);
      return 0;
    }
    const session = await admin
      .call(`looking up session ${sessionID}`, (api) =>
        api.getSession({ id: sessionID!, expand: ['identity'] }),
      )
      .catch((err: Error) => {
        if (/HTTP (404|400)/.test(err.message)) {
          throw new Error(`no session "${sessionID}": list them with "vestibule sessions list"`);
        }
        throw err;
      });
    const owner = session.identity ? emailOf(session.identity) || session.identity.id : 'unknown';
    await confirmDestructive(io, `Revoke session ${session.id} of ${owner}?`, options);
    await admin.call(`revoking session ${sessionID}`, (api) =>
      api.disableSession({ id: session.id }),
    );
    if (values.json) return printJSON(io, { revoked: session.id });
    io.stdout(`✓ revoked session ${session.id} (${owner})\n`);
    return 0;
  },
};

export const sessionsCommand = commandWithSubcommands({
  name: 'sessions',
  summary: 'list and revoke sessions (Kratos admin API)',
  intro: 'Lists and revokes sessions in Kratos through its admin API.',
  subcommands: [list, revoke],
  footer: `
Examples:
  vestibule sessions list --user ada@example.com
  vestibule sessions revoke --user ada@example.com --yes
`,
});

// `vestibule users list|show|create|set-role|disable|enable|delete`: people in Kratos through its
// admin API (official SDK). Tables for people, --json for scripts; a user is named by id or email;
// disable and delete ask first (--yes skips the question, and is required without a terminal).
import type { Identity } from '@ory/client-fetch';
import { countOption, parseCommandLine, UsageError } from '../terminal/args.ts';
import { confirmDestructive } from '../terminal/confirm.ts';
import type { CLIIO } from '../terminal/io.ts';
import { withSlowProgress } from '../terminal/progress-delay.ts';
import { createStyle } from '../terminal/style.ts';
import { commandWithSubcommands, type Subcommand } from '../terminal/subcommands.ts';
import { formatTable, formatTime } from '../terminal/table.ts';
import { resolveKratosEndpoints } from '../ory/endpoints.ts';
import {
  emailOf,
  findUser,
  kratosAdmin,
  nextPageToken,
  roleOf,
  type KratosAdmin,
} from '../ory/kratos-admin.ts';

export const CONNECTION_FLAGS = `  --config <file>   take the Kratos URLs from this vestibule.yml (kratos.admin_url)
  --json            machine-readable output on stdout
  -h, --help        this help

Kratos's admin URL: --config, else VESTIBULE_KRATOS_ADMIN_URL, else the demo stack's
http://127.0.0.1:4434.`;

const connection = { config: { type: 'string' }, json: { type: 'boolean' } } as const;

export function adminFor(flags: { config?: string | undefined }, io: CLIIO): KratosAdmin {
  return kratosAdmin(resolveKratosEndpoints({ config: flags.config, env: io.env, cwd: io.cwd }));
}

/** Prints `value` for scripts; the exit code (0). */
export function printJSON(io: CLIIO, value: unknown): number {
  io.stdout(JSON.stringify(value, null, 2) + '\n');
  return 0;
}

const list: Subcommand = {
  name: 'list',
  summary: 'list users (id, email, role, state), a page at a time',
  usage: `Usage: vestibule users list [--page-size n] [--page-token t | --all] [--json]

Lists identities. Kratos pages with a token: the next page's command is printed under the table.

Flags:
  --page-size <n>   users per page (default 50)
  --page-token <t>  the page to show (from the previous page's footer)
  --all             every page
${CONNECTION_FLAGS}

Examples:
  vestibule users list
  vestibule users list --all --json | jq -r '.[].traits.email'
`,
  async run(argv, io) {
    const { values } = parseCommandLine(
      'users list',
      argv,
      {
        ...connection,
        'page-size': { type: 'string' },
        'page-token': { type: 'string' },
        all: { type: 'boolean' },
      },
      { min: 0, max: 0, names: '' },
    );
    if (values.all && values['page-token']) {
      throw new UsageError('users list: --all and --page-token do not go together');
    }
    const admin = adminFor(values, io);
    const pageSize = countOption('--page-size', values['page-size'], 50);
    const users: Identity[] = [];
    let token = values['page-token'];
    let next: string | undefined;
    await withSlowProgress(io, 'listing users', async () => {
      do {
        const page = await admin.call('listing users', (api) =>
          api.listIdentitiesRaw({ pageSize, ...(token ? { pageToken: token } : {}) }),
        );
        users.push(...(await page.value()));
        next = nextPageToken(page.raw.headers.get('link'));
        token = next;
      } while (values.all && next);
    });
    if (values.json) return printJSON(io, users);
    const style = createStyle(io);
    io.stdout(
      formatTable(['ID', 'EMAIL', 'ROLE', 'STATE', 'CREATED'], users.map(userRow), style.bold),
    );
    io.stdout(`${users.length} user(s)\n`);
    if (next) io.stdout(`next page: vestibule users list --page-token ${next}\n`);
    return 0;
  },
};

function userRow(user: Identity): string[] {
  return [
    user.id,
    emailOf(user),
    roleOf(user) || '-',
    user.state ?? '',
    formatTime(user.created_at),
  ];
}

const show: Subcommand = {
  name: 'show',
  summary: 'one user by id or email: traits, role, state, addresses',
  usage: `Usage: vestibule users show <id|email> [--json]

Flags:
${CONNECTION_FLAGS}

Examples:
  vestibule users show admin@example.com
  vestibule users show 6f1c…-… --json
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine('users show', argv, connection, {
      min: 1,
      max: 1,
      names: 'a user id or email',
    });
    const user = await findUser(adminFor(values, io), positionals[0]!);
    if (values.json) return printJSON(io, user);
    const addresses = (user.verifiable_addresses ?? [])
      .map((a) => `${a.value}${a.verified ? ' (verified)' : ' (not verified)'}`)
      .join(', ');
    io.stdout(
      formatTable(
        ['FIELD', 'VALUE'],
        [
          ['id', user.id],
          ['email', emailOf(user)],
          ['role', roleOf(user) || '-'],
          ['state', user.state ?? ''],
          ['schema', user.schema_id],
          ['addresses', addresses || '-'],
          ['created', formatTime(user.created_at)],
          ['updated', formatTime(user.updated_at)],
        ],
      ),
    );
    return 0;
  },
};

const create: Subcommand = {
  name: 'create',
  summary: 'create a user with an email, a role and (from stdin) a password',
  usage: `Usage: vestibule users create <email> [--role r] [--password-stdin] [--json]

Creates an active identity (schema "default") with traits.email and metadata_public.role. The
password is read from stdin with --password-stdin (never from a flag, which shell history keeps);
without it the user has no password and signs in after account recovery.

Flags:
  --role <r>        the role (metadata_public.role), e.g. admin; default none
  --password-stdin  read the password from stdin
${CONNECTION_FLAGS}

Examples:
  vestibule users create ada@example.com --role admin
  printf '%s' "$PASSWORD" | vestibule users create ada@example.com --password-stdin
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(
      'users create',
      argv,
      {
        ...connection,
        role: { type: 'string' },
        'password-stdin': { type: 'boolean' },
      },
      { min: 1, max: 1, names: 'an email address' },
    );
    const email = positionals[0]!;
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
      throw new UsageError(`users create: "${email}" is not an email address`);
    }
    let password: string | undefined;
    if (values['password-stdin']) {
      if (!io.readStdin) throw new UsageError('users create: --password-stdin needs a stdin');
      password = (await io.readStdin()).replace(/\r?\n$/, '');
      if (!password) throw new UsageError('users create: --password-stdin read an empty password');
    }
    const admin = adminFor(values, io);
    const user = await admin.call(`creating ${email}`, (api) =>
      api.createIdentity({
        createIdentityBody: {
          schema_id: 'default',
          state: 'active',
          traits: { email },
          ...(values.role ? { metadata_public: { role: values.role } } : {}),
          ...(password ? { credentials: { password: { config: { password } } } } : {}),
        },
      }),
    );
    if (values.json) return printJSON(io, user);
    io.stdout(`✓ created ${email} (${user.id})${values.role ? ` with role ${values.role}` : ''}\n`);
    if (!password) io.stdout('  no password set: the user signs in after account recovery\n');
    return 0;
  },
};

const setRole: Subcommand = {
  name: 'set-role',
  summary: 'set a user\'s role (metadata_public.role); "-" removes it',
  usage: `Usage: vestibule users set-role <id|email> <role> [--json]

Sets metadata_public.role, which the gateway's role rules and getUser().role read. A role of "-"
removes it. Sessions already issued see the new role once the edge's session cache expires.

Flags:
${CONNECTION_FLAGS}

Examples:
  vestibule users set-role ada@example.com admin
  vestibule users set-role ada@example.com -
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine('users set-role', argv, connection, {
      min: 2,
      max: 2,
      names: 'a user id or email and a role',
    });
    const admin = adminFor(values, io);
    const user = await findUser(admin, positionals[0]!);
    const role = positionals[1]!;
    const metadata = { ...((user.metadata_public as Record<string, unknown> | null) ?? {}) };
    if (role === '-') delete metadata.role;
    else metadata.role = role;
    const updated = await admin.call(`setting the role of ${positionals[0]}`, (api) =>
      api.patchIdentity({
        id: user.id,
        jsonPatch: [{ op: 'add', path: '/metadata_public', value: metadata }],
      }),
    );
    if (values.json) return printJSON(io, updated);
    io.stdout(`✓ ${emailOf(updated) || updated.id}: role ${roleOf(updated) || 'removed'}\n`);
    return 0;
  },
};

function stateChange(name: 'disable' | 'enable'): Subcommand {
  const state = name === 'disable' ? 'inactive' : 'active';
  return {
    name,
    summary:
      name === 'disable'
        ? 'set a user inactive (cannot sign in; sessions stop working); asks first'
        : 'set a disabled user active again',
    usage: `Usage: vestibule users ${name} <id|email> [--yes] [--json]

Sets the identity's state to ${state}.${name === 'disable' ? ' Kratos refuses sign-in and whoami for inactive identities.' : ''}

Flags:
${name === 'disable' ? '  --yes             do not ask (required when not on a terminal)\n' : ''}${CONNECTION_FLAGS}

Examples:
  vestibule users ${name} ada@example.com${name === 'disable' ? '\n  vestibule users disable ada@example.com --yes' : ''}
`,
    async run(argv, io) {
      const { values, positionals } = parseCommandLine(
        `users ${name}`,
        argv,
        {
          ...connection,
          ...(name === 'disable' ? { yes: { type: 'boolean' } } : {}),
        } as typeof connection & { yes: { type: 'boolean' } },
        {
          min: 1,
          max: 1,
          names: 'a user id or email',
        },
      );
      const admin = adminFor(values, io);
      const user = await findUser(admin, positionals[0]!);
      if (name === 'disable') {
        await confirmDestructive(io, `Disable ${emailOf(user) || user.id}?`, {
          yes: values.yes,
          command: 'users disable',
        });
      }
      const updated = await admin.call(
        `${name === 'disable' ? 'disabling' : 'enabling'} ${positionals[0]}`,
        (api) =>
          api.patchIdentity({
            id: user.id,
            jsonPatch: [{ op: 'replace', path: '/state', value: state }],
          }),
      );
      if (values.json) return printJSON(io, updated);
      io.stdout(`✓ ${emailOf(updated) || updated.id} is ${updated.state}\n`);
      return 0;
    },
  };
}

const remove: Subcommand = {
  name: 'delete',
  summary: 'delete a user and their sessions for good; asks first',
  usage: `Usage: vestibule users delete <id|email> [--yes]

Deletes the identity, its credentials and its sessions. This cannot be undone.

Flags:
  --yes             do not ask (required when not on a terminal)
${CONNECTION_FLAGS}

Examples:
  vestibule users delete ada@example.com
  vestibule users delete 6f1c…-… --yes
`,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(
      'users delete',
      argv,
      {
        ...connection,
        yes: { type: 'boolean' },
      },
      { min: 1, max: 1, names: 'a user id or email' },
    );
    const admin = adminFor(values, io);
    const user = await findUser(admin, positionals[0]!);
    await confirmDestructive(io, `Delete ${emailOf(user) || user.id} for good?`, {
      yes: values.yes,
      command: 'users delete',
    });
    await admin.call(`deleting ${positionals[0]}`, (api) => api.deleteIdentity({ id: user.id }));
    if (values.json) return printJSON(io, { deleted: user.id });
    io.stdout(`✓ deleted ${emailOf(user) || user.id} (${user.id})\n`);
    return 0;
  },
};

export const usersCommand = commandWithSubcommands({
  name: 'users',
  summary: 'list, show, create, re-role, disable, enable and delete users (Kratos admin API)',
  intro: 'Manages the identities in Kratos through its admin API. A user is named by id or email.',
  subcommands: [list, show, create, setRole, stateChange('disable'), stateChange('enable'), remove],
  footer: `
Examples:
  vestibule users list
  vestibule users set-role ada@example.com admin
  vestibule users delete ada@example.com --yes
`,
});

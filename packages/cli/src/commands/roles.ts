// `vestibule roles set <email> <role>` / `vestibule roles get <email>`: the role lives in Kratos
// (`metadata_public.role`), where the edge and ensureUser() read it; apps get it synced into
// `profiles.role` on the next login. Written through Kratos's admin API with the official SDK, so it
// works against a real Kratos as against the embedded one.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { Configuration, IdentityApi, ResponseError, type Identity } from '@ory/client-fetch';
import { loadConfigFile } from 'vestibule/config';
import { UsageError } from '../terminal/args.ts';
import type { CLIIO, Command } from '../terminal/io.ts';

export const DEFAULT_KRATOS_ADMIN_URL = 'http://127.0.0.1:4434';
/** Roles are compared as strings by requireRole and access rules: keep them plain. */
const ROLE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

const usage = `Usage: vestibule roles set <email> <role> [flags]
       vestibule roles get <email> [flags]

Sets or shows an identity's role: metadata_public.role in Kratos, written through the admin API.
The edge and the app library read it from there; an app's profiles.role follows on the next login
(an operator's direct update of profiles.role stands until the Kratos role changes).

Flags:
  --admin-url <url>  Kratos's admin API (env VESTIBULE_KRATOS_ADMIN_URL; default ${DEFAULT_KRATOS_ADMIN_URL})
  --config <file>    take kratos.admin_url from this vestibule.yml (env VESTIBULE_CONFIG)
  -h, --help         this help

Examples:
  vestibule roles set ada@example.com admin
  vestibule roles get ada@example.com --config vestibule.yml
`;

export const rolesCommand: Command = {
  name: 'roles',
  summary: "set or show an identity's role (metadata_public.role in Kratos)",
  usage,
  async run(argv: string[], io: CLIIO): Promise<number> {
    const { values, positionals } = parseRolesArgs(argv);
    const [action, email, role, ...extra] = positionals;
    if (action !== 'set' && action !== 'get') {
      throw new UsageError('roles: expected "set <email> <role>" or "get <email>"');
    }
    if (!email) throw new UsageError(`roles ${action}: <email> is required`);
    if (action === 'set' && role === undefined)
      throw new UsageError('roles set: <role> is required');
    if (extra.length || (action === 'get' && role !== undefined)) {
      throw new UsageError(`roles ${action}: unexpected argument "${extra[0] ?? role}"`);
    }
    if (action === 'set' && !ROLE.test(role!)) {
      throw new UsageError(
        `roles set: "${role}" is not a role name (letters, digits, and _ . : - after the first; at most 64)`,
      );
    }
    const adminURL = adminURLFrom(values, io);
    const identity = await findByEmail(adminURL, email);
    const current = roleOf(identity);
    if (action === 'get') {
      io.stdout(`${email}: ${current ?? '(none: the default role applies)'}\n`);
      return 0;
    }
    if (current === role) {
      io.stdout(`✓ ${email} already has role ${role}\n`);
      return 0;
    }
    await setRole(adminURL, identity, role!);
    io.stdout(`✓ ${email}: role ${current ?? '(none)'} → ${role} (identity ${identity.id})\n`);
    return 0;
  },
};

function parseRolesArgs(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: { 'admin-url': { type: 'string' }, config: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError(`roles: ${(err as Error).message}`);
  }
}

/** A flag beats the environment, which beats the config file, which beats the demo default. */
function adminURLFrom(values: { 'admin-url'?: string; config?: string }, io: CLIIO): string {
  let url = values['admin-url'] ?? io.env.VESTIBULE_KRATOS_ADMIN_URL;
  const file = values.config ?? io.env.VESTIBULE_CONFIG;
  if (!url && file)
    url = loadConfigFile(resolve(io.cwd, file), { env: io.env }).config.kratos.admin_url;
  url ??= DEFAULT_KRATOS_ADMIN_URL;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    throw new UsageError(
      `roles: the Kratos admin URL must be an absolute http(s) URL, got "${url}"`,
    );
  }
  return url.replace(/\/+$/, '');
}

function identityAPI(adminURL: string): IdentityApi {
  return new IdentityApi(
    new Configuration({
      basePath: adminURL,
      fetchApi: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(10_000) }),
    }),
  );
}

/** Kratos looks identities up by login identifier; an email is that identifier in the usual schema. */
async function findByEmail(adminURL: string, email: string): Promise<Identity> {
  const found = await identityAPI(adminURL)
    .listIdentities({ credentialsIdentifier: email })
    .catch((err: unknown) => fail('looking up the identity', adminURL, err));
  if (found.length === 0) {
    throw new Error(
      `no identity with the email ${email} at ${adminURL} (check the address, or list identities there)`,
    );
  }
  if (found.length > 1) {
    throw new Error(`${found.length} identities match ${email} at ${adminURL}; refusing to guess`);
  }
  return found[0]!;
}

function roleOf(identity: Identity): string | undefined {
  const role = (identity.metadata_public as { role?: unknown } | null | undefined)?.role;
  return typeof role === 'string' && role.trim() ? role.trim() : undefined;
}

/** A JSON Patch of metadata_public only: traits, state and credentials are left as they are. */
async function setRole(adminURL: string, identity: Identity, role: string): Promise<void> {
  const existing = identity.metadata_public;
  const metadata =
    existing && typeof existing === 'object' && !Array.isArray(existing) ? existing : {};
  await identityAPI(adminURL)
    .patchIdentity({
      id: identity.id,
      jsonPatch: [{ op: 'add', path: '/metadata_public', value: { ...metadata, role } }],
    })
    .catch((err: unknown) => fail('writing metadata_public.role', adminURL, err));
}

async function fail(action: string, adminURL: string, err: unknown): Promise<never> {
  if (err instanceof ResponseError) {
    const body = await err.response.text().catch(() => '');
    throw new Error(
      `${action} failed: the Kratos admin API answered HTTP ${err.response.status}: ${body.slice(0, 300)}`,
    );
  }
  const cause = (err as Error)?.cause as Error | undefined;
  throw new Error(
    `${action} failed: the Kratos admin API at ${adminURL} is unreachable (${cause?.message ?? (err as Error)?.message ?? String(err)})`,
    { cause: err },
  );
}

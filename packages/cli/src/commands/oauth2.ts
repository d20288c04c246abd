// `vestibule oauth2 clients create|list|delete`: OAuth2 clients on Hydra's admin API (the embedded
// server of `vestibule up`, or a real Hydra), through the official Ory SDK, like `hydra create client`.
import { parseArgs } from 'node:util';
import { ResponseError, type OAuth2Client } from '@ory/client-fetch';
import { hydraAdmin as api } from '../ory/hydra-admin.ts';
import { UsageError } from '../terminal/args.ts';
import type { CLIIO, Command } from '../terminal/io.ts';

const usage = `Usage: vestibule oauth2 clients <create|list|delete> [flags]

Manages OAuth2 clients on Hydra's admin API (default http://127.0.0.1:4445, the embedded server of
\`vestibule up\`; env VESTIBULE_HYDRA_ADMIN_URL or --admin-url for another).

  vestibule oauth2 clients create --name <name> --redirect-uri <url> [--redirect-uri <url>…]
      [--post-logout-redirect-uri <url>] [--scope "openid offline_access email profile"]
      [--grant-type authorization_code --grant-type refresh_token] [--public] [--skip-consent]
      Prints the client as JSON, with its secret (shown once; none for --public clients).
  vestibule oauth2 clients list         one line per client: id, name, redirect URIs
  vestibule oauth2 clients delete <id>  removes the client

Flags:
  --admin-url <url>  Hydra's admin API
  -h, --help         this help

Examples:
  vestibule oauth2 clients create --name notes --redirect-uri http://localhost:4002/callback
  vestibule oauth2 clients list
  vestibule oauth2 clients delete 3f2a0c1e-…
`;

async function explain(err: unknown): Promise<never> {
  if (err instanceof ResponseError) {
    const body = (await err.response.json().catch(() => ({}))) as {
      error?: string;
      error_description?: string;
    };
    throw new Error(
      `Hydra answered ${err.response.status}: ${body.error ?? ''} ${body.error_description ?? ''}`.trim(),
      { cause: err },
    );
  }
  throw err;
}

export const oauth2Command: Command = {
  name: 'oauth2',
  summary: 'manage OAuth2 clients on Hydra (clients create|list|delete)',
  usage,
  async run(argv: string[], io: CLIIO): Promise<number> {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        strict: true,
        options: {
          'admin-url': { type: 'string' },
          name: { type: 'string' },
          'redirect-uri': { type: 'string', multiple: true },
          'post-logout-redirect-uri': { type: 'string', multiple: true },
          scope: { type: 'string' },
          'grant-type': { type: 'string', multiple: true },
          public: { type: 'boolean' },
          'skip-consent': { type: 'boolean' },
        },
      });
    } catch (err) {
      throw new UsageError(`oauth2: ${(err as Error).message}`);
    }
    const { values, positionals } = parsed;
    const [group, action, ...ids] = positionals;
    if (group !== 'clients' || !action)
      throw new UsageError('oauth2: expected "clients create|list|delete"');
    const admin = api(
      values['admin-url'] ?? io.env.VESTIBULE_HYDRA_ADMIN_URL ?? 'http://127.0.0.1:4445',
    );
    switch (action) {
      case 'create': {
        const redirects = values['redirect-uri'] ?? [];
        if (!redirects.length)
          throw new UsageError('oauth2 clients create: --redirect-uri is required');
        const client: OAuth2Client = {
          client_name: values.name ?? '',
          redirect_uris: redirects,
          post_logout_redirect_uris: values['post-logout-redirect-uri'] ?? [],
          grant_types: values['grant-type'] ?? ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: values.scope ?? 'openid offline_access email profile',
          token_endpoint_auth_method: values.public ? 'none' : 'client_secret_basic',
          skip_consent: values['skip-consent'] === true,
        };
        const created = await admin.createOAuth2Client({ oAuth2Client: client }).catch(explain);
        io.stdout(`${JSON.stringify(created, null, 2)}\n`);
        return 0;
      }
      case 'list': {
        const clients = await admin.listOAuth2Clients({ pageSize: 500 }).catch(explain);
        for (const c of clients)
          io.stdout(
            `${c.client_id}\t${c.client_name || '-'}\t${(c.redirect_uris ?? []).join(' ')}\n`,
          );
        if (!clients.length) io.stdout('(no clients)\n');
        return 0;
      }
      case 'delete': {
        if (!ids.length) throw new UsageError('oauth2 clients delete: the client id is required');
        for (const id of ids) {
          await admin.deleteOAuth2Client({ id }).catch(explain);
          io.stdout(`deleted ${id}\n`);
        }
        return 0;
      }
      default:
        throw new UsageError(`oauth2 clients: unknown action "${action}" (create, list or delete)`);
    }
  },
};

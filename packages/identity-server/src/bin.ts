#!/usr/bin/env node
// `vestibule-identity-server serve --config kratos.yml [--dev]`, like `kratos serve -c kratos.yml`.
// Prints the two URLs, stops cleanly on SIGINT/SIGTERM, and exits 1 naming the bad key on config
// errors (the command itself is @vestibule/server-kit's, shared with the OAuth2 server).
import { runServeBin } from '@vestibule/server-kit/serve-command';
import { ConfigError } from './config/index.ts';
import { createIdentityServer } from './server.ts';

runServeBin({
  usage: `usage: vestibule-identity-server serve --config <kratos.yml> [--dev]

  -c, --config   a kratos.yml with Kratos's own keys (serve, selfservice, session, identity, hashers, dsn…)
      --dev      like kratos --dev: reveal courier message bodies on the admin API`,
  label: 'identity server',
  isConfigError: (err) => err instanceof ConfigError,
  async start({ configPath, dev }) {
    const server = await createIdentityServer({ configPath, dev });
    const listening = await server.listen();
    return {
      lines: [
        `Kratos public API listening on ${listening.publicURL}`,
        `Kratos admin API listening on ${listening.adminURL}`,
        `public base URL: ${server.context.config.serve.public.base_url}`,
      ],
      close: () => server.close(),
    };
  },
});

#!/usr/bin/env node
// `vestibule-oauth2-server serve --config hydra.yml [--dev]`, like `hydra serve all -c hydra.yml [--dev]`.
// Prints the two URLs, stops cleanly on SIGINT/SIGTERM, and exits 1 naming the bad key on config
// errors (the command itself is @vestibule/server-kit's, shared with the identity server).
import { runServeBin } from '@vestibule/server-kit/serve-command';
import { ConfigError } from './config/index.ts';
import { createOAuth2Server } from './server.ts';

runServeBin({
  usage: `usage: vestibule-oauth2-server serve --config <hydra.yml> [--dev]

  -c, --config   a hydra.yml with Hydra's own keys (serve, urls, ttl, oauth2.pkce, strategies, secrets, dsn)
      --dev      like hydra serve --dev: allow an http issuer, \`_dev\` cookie names`,
  label: 'oauth2 server',
  isConfigError: (err) => err instanceof ConfigError,
  async start({ configPath, dev }) {
    const server = await createOAuth2Server({ configPath, dev });
    const listening = await server.listen();
    return {
      lines: [
        `Hydra public API listening on ${listening.publicURL}`,
        `Hydra admin API listening on ${listening.adminURL}`,
        `issuer: ${server.config.urls.self.issuer}`,
      ],
      close: () => server.close(),
    };
  },
});

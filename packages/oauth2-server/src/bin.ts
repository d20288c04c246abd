#!/usr/bin/env node
// `vestibule-oauth2-server serve --config hydra.yml [--dev]`, like `hydra serve all -c hydra.yml [--dev]`.
// Prints the two URLs, stops cleanly on SIGINT/SIGTERM, and exits 1 naming the bad key on config errors.
import { parseArgs } from 'node:util';
import { ConfigError } from './config/index.ts';
import { createOAuth2Server } from './server.ts';

const USAGE = `usage: vestibule-oauth2-server serve --config <hydra.yml> [--dev]

  -c, --config   a hydra.yml with Hydra's own keys (serve, urls, ttl, oauth2.pkce, strategies, secrets, dsn)
      --dev      like hydra serve --dev: allow an http issuer, \`_dev\` cookie names`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        dev: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help || positionals[0] !== 'serve' || !values.config) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const server = await createOAuth2Server({ configPath: values.config, dev: values.dev });
  const listening = await server.listen();
  console.log(`Hydra public API listening on ${listening.publicURL}`);
  console.log(`Hydra admin API listening on ${listening.adminURL}`);
  console.log(`issuer: ${server.config.urls.self.issuer}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await server.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(`invalid config: ${err.message}`);
    else console.error(`oauth2 server failed to start: ${(err as Error).message ?? String(err)}`);
    process.exit(1);
  },
);

#!/usr/bin/env node
// `vestibule-identity-server serve --config kratos.yml [--dev]`, like `kratos serve -c kratos.yml`.
// Prints the two URLs, stops cleanly on SIGINT/SIGTERM, and exits 1 naming the bad key on config errors.
import { parseArgs } from 'node:util';
import { ConfigError } from './config/index.ts';
import { createIdentityServer } from './server.ts';

const USAGE = `usage: vestibule-identity-server serve --config <kratos.yml> [--dev]

  -c, --config   a kratos.yml with Kratos's own keys (serve, selfservice, session, identity, hashers, dsn…)
      --dev      like kratos --dev: reveal courier message bodies on the admin API`;

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
  const server = await createIdentityServer({ configPath: values.config, dev: values.dev });
  const listening = await server.listen();
  console.log(`Kratos public API listening on ${listening.publicURL}`);
  console.log(`Kratos admin API listening on ${listening.adminURL}`);
  console.log(`public base URL: ${server.context.config.serve.public.base_url}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(`invalid config: ${err.message}`);
    else console.error(`identity server failed to start: ${(err as Error).message ?? String(err)}`);
    process.exit(1);
  },
);

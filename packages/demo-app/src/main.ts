// `npm run start --workspace @vestibule/demo-app`: the demo app alone, configured by the
// environment (env.ts), until SIGINT/SIGTERM.
import { DemoEnvError, demoOptionsFromEnv } from './env.ts';
import { startDemoApp } from './server.ts';

async function main(): Promise<number> {
  let options;
  try {
    options = demoOptionsFromEnv(process.env);
  } catch (err) {
    if (!(err instanceof DemoEnvError)) throw err;
    process.stderr.write(`✗ demo app: ${err.message}\n`);
    return 1;
  }
  const app = await startDemoApp(options);
  const source = options.oathkeeper
    ? options.oathkeeper.jwksURL
      ? `Oathkeeper id_token (${options.oathkeeper.jwksURL})`
      : `unsigned x-user-* headers from ${options.oathkeeper.trustedProxies?.join(', ')}`
    : 'the edge’s signed headers';
  process.stdout.write(`demo app listening on ${app.url} (identity from ${source})\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.stdout.write(`demo app: ${signal} received, stopping\n`);
  await app.close();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `✗ demo app failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  },
);

// `npm run start -w @vestibule/rp-demo`: the RP alone against a running stack, configured by the
// environment: VESTIBULE_RP_PORT (4002), VESTIBULE_RP_ISSUER, VESTIBULE_RP_CLIENT_ID,
// VESTIBULE_RP_CLIENT_SECRET, VESTIBULE_RP_NOTES_API. `npm start` runs it for you.
import { startRPDemo } from './server.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const app = await startRPDemo({
    host: process.env.VESTIBULE_RP_HOST ?? '127.0.0.1',
    port: Number(process.env.VESTIBULE_RP_PORT ?? 4002),
    issuer: required('VESTIBULE_RP_ISSUER'),
    clientId: required('VESTIBULE_RP_CLIENT_ID'),
    clientSecret: required('VESTIBULE_RP_CLIENT_SECRET'),
    notesAPI: process.env.VESTIBULE_RP_NOTES_API ?? 'http://127.0.0.1:4000/api/notes',
    onError: (err) => process.stderr.write(`rp demo: ${String(err)}\n`),
  });
  process.stdout.write(`rp demo listening on ${app.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await app.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`✗ rp demo: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

// The demo app's Node server. It trusts only the edge's signed identity headers (header mode):
// reached directly, without the edge, every visitor is anonymous and protected pages answer 401.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import { createLogger, createVestibule, type Logger, type ProvisioningDatabase } from 'vestibule';
import { nodeAuth } from 'vestibule/adapters/node';
import { openDatabase } from './db.ts';
import { createNotes } from './notes.ts';
import { createProfiles } from './profiles.ts';
import { createDemoHandler } from './routes.ts';

export interface DemoAppOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** The edge's header secret (≥ 32 characters). */
  headerSecret: string;
  /** The edge's public URL (links, same-origin checks, absolute return_to). */
  publicURL: string;
  /** PGlite directory; in memory when unset. */
  dataDir?: string;
  logger?: Logger;
}

export interface RunningDemoApp {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startDemoApp(options: DemoAppOptions): Promise<RunningDemoApp> {
  const logger = options.logger ?? createLogger({ base: { component: 'demo-app' } });
  const db = await openDatabase(options.dataDir);
  // One embedded PostgreSQL for notes and profiles (ensureUser's table and migrations).
  const profiles = await createProfiles(db as unknown as Kysely<ProvisioningDatabase>);
  const vestibule = createVestibule({
    mode: 'header',
    headerSecret: options.headerSecret,
    publicURL: options.publicURL,
    loginURL: '/login',
    logger,
  });
  const handler = createDemoHandler({
    auth: nodeAuth(vestibule),
    notes: createNotes(db),
    profiles,
    publicURL: options.publicURL,
  });
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      logger.error('demo app request failed', { error: err, path: req.url?.split('?')[0] });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Something went wrong.');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await db.destroy();
    },
  };
}

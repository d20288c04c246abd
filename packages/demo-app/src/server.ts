// The demo app's Node server. Behind the edge it trusts only the edge's signed identity headers
// (header mode): reached directly, every visitor is anonymous and protected pages answer 401. Behind
// a real Oathkeeper (the runbook's topology) it verifies the id_token mutator's JWT instead.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Kysely } from 'kysely';
import {
  createLogger,
  createVestibule,
  type Logger,
  type OathkeeperSourceOptions,
  type ProvisioningDatabase,
} from 'vestibule';
import { nodeAuth } from 'vestibule/adapters/node';
import { openDatabase } from './db.ts';
import { createNotes } from './notes.ts';
import { createProfiles } from './profiles.ts';
import { createDemoHandler } from './routes.ts';

export interface DemoAppOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Behind the edge: its header secret (≥ 32 characters). Either this or `oathkeeper`. */
  headerSecret?: string;
  /** Behind a real Oathkeeper: how to verify its id_token (JWKS URL, issuer, audience). */
  oathkeeper?: OathkeeperSourceOptions;
  /** The edge's public URL (links, same-origin checks, absolute return_to). */
  publicURL: string;
  /** Where browsers sign in. Default `/login` (the edge's page). */
  loginURL?: string;
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
  if ((options.headerSecret === undefined) === (options.oathkeeper === undefined)) {
    throw new TypeError('startDemoApp: set exactly one of headerSecret and oathkeeper');
  }
  const logger = options.logger ?? createLogger({ base: { component: 'demo-app' } });
  const db = await openDatabase(options.dataDir);
  // One embedded PostgreSQL for notes and profiles (ensureUser's table and migrations).
  const profiles = await createProfiles(db as unknown as Kysely<ProvisioningDatabase>);
  const identity = options.oathkeeper
    ? { mode: 'oathkeeper' as const, oathkeeper: options.oathkeeper }
    : { mode: 'header' as const, headerSecret: options.headerSecret };
  const vestibule = createVestibule({
    ...identity,
    publicURL: options.publicURL,
    loginURL: options.loginURL ?? '/login',
    // Role sync: getUser/requireRole answer profiles.role (an operator's update survives logins).
    profiles: profiles.sync,
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

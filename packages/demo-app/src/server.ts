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
import { openDatabase, type DemoTables } from './db.ts';
import { createNotes, type NotesRepository } from './notes.ts';
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
  /**
   * Open the database once this settles, or at the first request that needs it if that comes
   * sooner; the app listens at once and only requests that read or write notes or profiles wait. `vestibule up` passes "the stack is up": this
   * process's one thread then opens the identity server's database and the edge first, and the
   * notes' PGlite (0.3–0.7 s of CPU) right after. Unset: opened before it listens.
   */
  openDatabaseAfter?: Promise<unknown>;
}

export interface RunningDemoApp {
  url: string;
  port: number;
  /** Settles when the database is open (rejects with why it could not be). */
  databaseReady: Promise<void>;
  close(): Promise<void>;
}

interface Opened {
  profiles: Awaited<ReturnType<typeof createProfiles>>;
  notes: NotesRepository;
}

export async function startDemoApp(options: DemoAppOptions): Promise<RunningDemoApp> {
  if ((options.headerSecret === undefined) === (options.oathkeeper === undefined)) {
    throw new TypeError('startDemoApp: set exactly one of headerSecret and oathkeeper');
  }
  const logger = options.logger ?? createLogger({ base: { component: 'demo-app' } });
  let db: Kysely<DemoTables> | undefined;
  let opening: Promise<Opened> | undefined;
  let closed = false;
  // (Promise.withResolvers is Node 22+.)
  const database = {} as { promise: Promise<void>; resolve(): void; reject(err: unknown): void };
  database.promise = new Promise<void>((resolve, reject) =>
    Object.assign(database, { resolve, reject }),
  );
  // Failures reach whoever awaits `databaseReady` and every call; never an unhandled rejection.
  database.promise.catch(() => undefined);
  const open = () =>
    (opening ??= (async () => {
      if (closed) throw new Error('the demo app is closed');
      db = await openDatabase(options.dataDir);
      const profiles = await createProfiles(db as unknown as Kysely<ProvisioningDatabase>);
      return { profiles, notes: createNotes(db) };
    })().then(
      (opened) => (database.resolve(), opened),
      (err: unknown) => {
        database.reject(err);
        throw err;
      },
    ));
  if (options.openDatabaseAfter) void options.openDatabaseAfter.then(open, open).catch(() => {});
  else await open();
  // Each call that reads or writes notes or profiles waits for the database (opening it if the
  // stack has not yet); pages that need neither — an anonymous visitor's, the edge's readiness
  // probe — answer at once.
  const later =
    <A extends unknown[], R>(pick: (o: Opened) => (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> =>
      pick(await open())(...args);
  const sync = { ensureUser: later((o) => o.profiles.sync.ensureUser) };
  const identity = options.oathkeeper
    ? { mode: 'oathkeeper' as const, oathkeeper: options.oathkeeper }
    : { mode: 'header' as const, headerSecret: options.headerSecret };
  const vestibule = createVestibule({
    ...identity,
    publicURL: options.publicURL,
    loginURL: options.loginURL ?? '/login',
    // Role sync: getUser/requireRole answer profiles.role (an operator's update survives logins).
    profiles: sync,
    logger,
  });
  const handler = createDemoHandler({
    auth: nodeAuth(vestibule),
    notes: {
      list: later((o) => o.notes.list),
      get: later((o) => o.notes.get),
      create: later((o) => o.notes.create),
      update: later((o) => o.notes.update),
      remove: later((o) => o.notes.remove),
    },
    profiles: { ensure: later((o) => o.profiles.ensure), list: later((o) => o.profiles.list) },
    publicURL: options.publicURL,
  });
  const server: Server = createServer((req, res) => {
    handler(req, res).catch((err: unknown) => {
      logger.error('demo app request failed', { error: err, path: req.url?.split('?')[0] });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Something went wrong.');
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host, () => resolve());
    });
  } catch (err) {
    closed = true;
    await opening?.catch(() => undefined);
    await db?.destroy();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
    port,
    databaseReady: database.promise,
    close: async () => {
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // A database still opening is closed once open; one never asked for is never opened.
      await opening?.catch(() => undefined);
      await db?.destroy();
    },
  };
}

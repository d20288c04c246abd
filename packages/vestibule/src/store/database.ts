// The edge's own SQL store: embedded PostgreSQL (PGlite, in memory or in a directory) by default, a
// real PostgreSQL by URL when several edges must share state (lockout counters today; issue 15 puts
// session revocation and rate limits here too). One SQL dialect either way (DESIGN.md).
import { readlinkSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, Migrator, PostgresDialect, type ColumnType, type Generated } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { migrationsKey, pgliteTemplate } from '@vestibule/server-kit/pglite-template';
import { EDGE_MIGRATION_LOCK_TABLE, EDGE_MIGRATION_TABLE, edgeMigrations } from './migrations.ts';
import { parseStoreTarget, type EdgeStoreTarget } from './target.ts';

type Timestamp = ColumnType<Date, Date, Date>;

export interface AttemptCountersTable {
  /** What is counted: `login:identifier`, `login:address`, `recovery:send:address`, … */
  scope: string;
  key: string;
  /** When each recent failure happened (a sliding log, pruned to the window on every write). */
  failures: ColumnType<Date[], Date[] | undefined, Date[]>;
  /** Attempts reserved and still in flight (each expires on its own if its edge dies). */
  reserved: ColumnType<Date[], Date[] | undefined, Date[]>;
  locked_until: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** Locks so far: the next lock lasts base × 2^level (capped). */
  lock_level: ColumnType<number, number | undefined, number>;
  /** Whether the last reservation was granted / the last failure started a lock. */
  last_allowed: ColumnType<boolean, boolean | undefined, boolean>;
  last_locked: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: Timestamp;
}

export interface AuditEventsTable {
  id: Generated<string>;
  at: Timestamp;
  event: string;
  identity_id: string | null;
  identifier_hash: string | null;
  client_address: string | null;
  user_agent: string | null;
  request_id: string | null;
}

export interface StoreMetaTable {
  name: string;
  value: string;
}

export interface EdgeStoreDatabase {
  vestibule_attempt_counters: AttemptCountersTable;
  vestibule_audit_events: AuditEventsTable;
  vestibule_store_meta: StoreMetaTable;
}

export interface EdgeStore {
  readonly db: Kysely<EdgeStoreDatabase>;
  readonly target: EdgeStoreTarget;
  /**
   * On PostgreSQL, the store's one pool: the parts that share the database with other edges (the
   * session bus, the rate limiters) take their connections from it rather than opening their own.
   */
  readonly pool: pg.Pool | undefined;
  /** A value shared by every edge on this store, made once by whichever edge asks first. */
  sharedValue(name: string, make: () => string): Promise<string>;
  close(): Promise<void>;
}

async function connect(
  target: EdgeStoreTarget,
): Promise<{ db: Kysely<EdgeStoreDatabase>; pool?: pg.Pool; cleanup?: () => Promise<void> }> {
  switch (target.kind) {
    case 'memory': {
      // A throwaway directory rather than PGlite's in-memory file system: that one holds the whole
      // database (~40 MB, mostly a WAL segment and the system catalogs) in the process's memory,
      // plus the dump's copies while loading it (~150 MB of RSS measured, bench/memory.bench.ts).
      // Nothing survives the process, as before: the directory goes on close, or with the next
      // store opened once its process is gone.
      const dir = await throwawayDirectory();
      const client = await edgeStoreTemplate.openDirectory(dir).catch(async (err: unknown) => {
        await rm(dir, { recursive: true, force: true });
        throw err;
      });
      return {
        db: pgliteStore(client),
        cleanup: () => rm(dir, { recursive: true, force: true }),
      };
    }
    case 'directory':
      return { db: pgliteStore(await edgeStoreTemplate.openDirectory(target.path)) };
    case 'url': {
      // Ten for queries, one more held by the session bus for its LISTEN.
      const pool = new pg.Pool({
        connectionString: target.url,
        max: 11,
        application_name: 'vestibule-edge',
      });
      // An idle connection the server ends is an 'error' on the pool; unheard, it would crash the
      // edge. The pool already dropped it; the next query's own failure is what the caller sees.
      pool.on('error', () => {});
      return { db: new Kysely({ dialect: new PostgresDialect({ pool }) }), pool };
    }
  }
}

const THROWAWAY_PREFIX = 'vestibule-edge-store-';

/**
 * This host's part of the throwaway names: a pid only means something on the host (PID namespace)
 * that gave it, and two containers may share one tmp directory — a store is swept only by a process
 * of the same host name and pid namespace that sees its owner gone.
 */
export const HOST_TAG = `${
  hostname()
    .replace(/[^A-Za-z0-9.]/g, '_')
    .slice(0, 64) || 'host'
}${pidNamespace()}`;

/** Linux's pid namespace (`pid:[4026531836]` → `.4026531836`): containers may share a host name. */
function pidNamespace(): string {
  try {
    return `.${/\d+/.exec(readlinkSync('/proc/self/ns/pid'))?.[0] ?? ''}`;
  } catch {
    return '';
  }
}

/** `<tmp>/vestibule-edge-store-<host>-<pid>-<random>`, after removing this host's dead ones. */
async function throwawayDirectory(): Promise<string> {
  const root = tmpdir();
  const own = `${THROWAWAY_PREFIX}${HOST_TAG}-`;
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith(own)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(own.length))?.[1]);
    if (pid && pid !== process.pid && !alive(pid))
      await rm(join(root, name), { recursive: true, force: true }).catch(() => {});
  }
  return mkdtemp(join(root, `${own}${process.pid}-`));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pgliteStore(client: PGlite): Kysely<EdgeStoreDatabase> {
  return new Kysely({ dialect: new PGliteDialect(client) });
}

/**
 * A new (empty) PGlite store starts from the migrated template: no initdb. PostgreSQL's shared memory
 * lives in PGlite's WebAssembly memory and is touched at start, so it is RSS for the edge's life:
 * initdb's 128 MB of shared buffers were ~125 MB (bench/memory.bench.ts), 8 MB with 100 connection
 * slots still 14 MB of shared memory. The store's hot pages are few (the counters' rows, the audit
 * log's tail, their indexes) and the operating system's file cache sits under PGlite's files, so
 * 256 buffers (2 MB) hold them; PGlite is one connection, and every slot of `max_connections` costs
 * its share of lock and process tables: 4 (above the 3 reserved for superusers, which PostgreSQL
 * requires) brings shared memory to 5 MB — 8 MB less RSS once open, no slower per login
 * (bench/edge-store-memory.bench.ts; `npm run bench -- login-protection`).
 */
const EDGE_STORE_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  shared_buffers: '2MB',
  max_connections: '4',
});

export const edgeStoreTemplate = pgliteTemplate({
  name: 'edge-store',
  key: async () => migrationsKey(await edgeMigrations.getMigrations(), EDGE_MIGRATION_TABLE),
  migrate: (db) => migrateEdgeStore(pgliteStore(db)),
  settings: EDGE_STORE_SETTINGS,
});

export async function migrateEdgeStore(db: Kysely<EdgeStoreDatabase>): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: edgeMigrations,
    // Its own bookkeeping tables: the store may share a database with the app's profiles.
    migrationTableName: EDGE_MIGRATION_TABLE,
    migrationLockTableName: EDGE_MIGRATION_LOCK_TABLE,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw new Error('edge store: migration failed', { cause: error });
}

/** Opens (and migrates) the store. PGlite is single-process: one edge per directory. */
export async function openEdgeStore(location: string | EdgeStoreTarget): Promise<EdgeStore> {
  const target = typeof location === 'string' ? parseStoreTarget(location) : location;
  const { db, pool, cleanup } = await connect(target);
  try {
    await migrateEdgeStore(db);
  } catch (err) {
    await db.destroy().catch(() => {});
    await cleanup?.();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    db,
    target,
    pool,
    async sharedValue(name, make) {
      // Two edges starting at once: one INSERT wins, both read the winner's value.
      await db
        .insertInto('vestibule_store_meta')
        .values({ name, value: make() })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const row = await db
        .selectFrom('vestibule_store_meta')
        .select('value')
        .where('name', '=', name)
        .executeTakeFirstOrThrow();
      return row.value;
    },
    close: () => (closing ??= db.destroy().finally(() => cleanup?.())),
  };
}

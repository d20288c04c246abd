// Identity-aware rate limits on access rules (issue 15): signed-in callers are counted per identity
// id, anonymous ones per client address, each rule on its own counters. Counting is
// rate-limiter-flexible's: in memory for one edge, in the shared PostgreSQL (`store.url`) for
// several, with an in-memory limiter as insurance while the database is unreachable — a rate limit
// protects capacity, so a database outage degrades it to per-edge counting rather than to none.
import pg from 'pg';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { RateSpec } from './spec.ts';

export interface RateVerdict {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (≥ 1 when refused). */
  resetSeconds: number;
  /** The window, for RateLimit-Policy. */
  windowSeconds: number;
}

export interface RateLimiters {
  /** Counts one request for `key` under the rule's spec, keyed by `scope` (rule id and who). */
  consume(scope: string, spec: RateSpec, key: string): Promise<RateVerdict>;
  close(): Promise<void>;
}

export interface RateLimitersOptions {
  /** A `postgres://` URL shared by several edges; in memory otherwise. */
  postgresURL?: string;
}

const TABLE = 'vestibule_rate_limits';

export function createRateLimiters(options: RateLimitersOptions = {}): RateLimiters {
  const pool = options.postgresURL
    ? new pg.Pool({
        connectionString: options.postgresURL,
        max: 4,
        application_name: 'vestibule-rate-limit',
      })
    : undefined;
  pool?.on('error', () => {}); // a dropped idle connection: the next query reconnects
  const limiters = new Map<string, { memory: RateLimiterMemory; shared?: RateLimiterAbstract }>();
  // The table is created once, under a lock (edges starting together would race on it); until it
  // exists each edge counts in memory.
  let table: Promise<boolean> | undefined;
  const tableReady = (): Promise<boolean> | boolean => {
    if (!pool) return false;
    table ??= createTable(pool).then(
      () => true,
      () => {
        table = undefined; // try again on a later request
        return false;
      },
    );
    return table;
  };

  const limitersFor = (scope: string, spec: RateSpec) => {
    let found = limiters.get(scope);
    if (found) return found;
    const base = { points: spec.points, duration: spec.windowSeconds, keyPrefix: `v:${scope}` };
    const memory = new RateLimiterMemory(base);
    const shared = pool
      ? new RateLimiterPostgres({
          ...base,
          storeClient: pool,
          storeType: 'pool',
          tableName: TABLE,
          tableCreated: true,
          clearExpiredByTimeout: true,
          insuranceLimiter: memory,
        })
      : undefined;
    found = { memory, ...(shared ? { shared } : {}) };
    limiters.set(scope, found);
    return found;
  };

  return {
    async consume(scope, spec, key) {
      const { memory, shared } = limitersFor(scope, spec);
      const limiter = shared && (await tableReady()) ? shared : memory;
      try {
        return verdict(true, spec, await limiter.consume(key));
      } catch (rejection) {
        // rate-limiter-flexible rejects with a RateLimiterRes when the points are spent, and with
        // an Error when the store fails without insurance; an error is the store's, not the caller's.
        if (rejection instanceof RateLimiterRes) return verdict(false, spec, rejection);
        throw rejection;
      }
    },
    async close() {
      await pool?.end();
    },
  };
}

async function createTable(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('${TABLE}'))`);
    // The columns rate-limiter-flexible's PostgreSQL limiter reads and writes.
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${TABLE} (
         key varchar(255) PRIMARY KEY,
         points integer NOT NULL DEFAULT 0,
         expire bigint)`,
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

function verdict(allowed: boolean, spec: RateSpec, res: RateLimiterRes): RateVerdict {
  return {
    allowed,
    limit: spec.points,
    remaining: Math.max(0, res.remainingPoints),
    resetSeconds: Math.max(allowed ? 0 : 1, Math.ceil(res.msBeforeNext / 1000)),
    windowSeconds: spec.windowSeconds,
  };
}

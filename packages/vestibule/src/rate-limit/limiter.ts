// Identity-aware rate limits on access rules (issue 15): signed-in callers are counted per identity
// id, anonymous ones per client address, each rule on its own counters. Counting is
// rate-limiter-flexible's: in memory for one edge, in the shared PostgreSQL (`store.url`) for
// several, with an in-memory limiter as insurance while the database is unreachable — a rate limit
// protects capacity, so a database outage degrades it to per-edge counting rather than to none.
import type pg from 'pg';
import type * as Flexible from 'rate-limiter-flexible';
import type { RateLimiterAbstract, RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { lazyModule } from '../lib/lazy-module.ts';
import type { RateSpec } from './spec.ts';

// Imported by the first rate-limited request, not when the edge starts: most edges have no
// `rate_limit` rule and would hold its ~10 MB for nothing (issue 15).
const loadLimiters = lazyModule('rate-limiter-flexible', () => import('rate-limiter-flexible'));
let limiterModule: typeof Flexible | undefined;

/**
 * Loads the library now: the edge calls this before it listens when a rule is rate-limited, so a
 * broken install stops it at start instead of leaving every limit uncounted (counting failures let
 * requests pass: gateway/rate-limit.ts).
 */
export async function loadRateLimiterLibrary(): Promise<void> {
  limiterModule ??= await loadLimiters();
}

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
  /**
   * The edge store's PostgreSQL pool (`EdgeStore.pool`, its migrations applied: they create the
   * counters' table), shared by several edges; in memory otherwise.
   */
  pool?: pg.Pool | undefined;
}

const TABLE = 'vestibule_rate_limits';

export function createRateLimiters(options: RateLimitersOptions = {}): RateLimiters {
  const { pool } = options;
  const limiters = new Map<string, { memory: RateLimiterMemory; shared?: RateLimiterAbstract }>();

  const limitersFor = (
    { RateLimiterMemory, RateLimiterPostgres }: typeof Flexible,
    scope: string,
    spec: RateSpec,
  ) => {
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
      const module = (limiterModule ??= await loadLimiters());
      const { memory, shared } = limitersFor(module, scope, spec);
      const limiter = shared ?? memory;
      try {
        return verdict(true, spec, await limiter.consume(key));
      } catch (rejection) {
        // rate-limiter-flexible rejects with a RateLimiterRes when the points are spent, and with
        // an Error when the store fails without insurance; an error is the store's, not the caller's.
        if (rejection instanceof module.RateLimiterRes) return verdict(false, spec, rejection);
        throw rejection;
      }
    },
    // The pool is the store's, closed with it.
    close: () => Promise.resolve(),
  };
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

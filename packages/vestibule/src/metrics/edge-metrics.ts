// The edge's Prometheus metrics (prom-client), on a registry of its own: no process-global state,
// so two edges in one process (tests) never mix their numbers. Label values come from the config
// (rule ids) and small fixed sets (route, decision, status), never from the request: a client
// cannot grow the number of series.
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export type EdgeRouteLabel = 'health' | 'proxy' | 'pages' | 'mount' | 'gateway' | 'metrics';
export type KratosCallOutcome = 'session' | 'none' | 'refused' | 'error';
/** `bus`: announced by another edge on the shared PostgreSQL (session-bus/). */
export type RevocationSource = 'webhook' | 'logout' | 'proxy' | 'bus';

/** The session cache's own counters, read at scrape time. */
export interface SessionCacheCounters {
  hits: number;
  misses: number;
  evictions: { capacity: number; expired: number; revoked: number };
  size: number;
}

export interface EdgeMetrics {
  readonly registry: Registry;
  /** One finished request: `rule` is the gateway rule's id ('' off the gateway, 'none' unmatched). */
  request(route: EdgeRouteLabel, rule: string, decision: string, status: number): void;
  /** Time to the upstream's response head, in seconds. */
  upstreamLatency(seconds: number): void;
  /** One whoami call to Kratos, in seconds. */
  kratosLatency(outcome: KratosCallOutcome, seconds: number): void;
  revocationEvent(source: RevocationSource): void;
  /**
   * Hooks for the login-protection store (lockouts) and rule rate limits, which land with the
   * shared store: the series exist (at 0) so dashboards and alerts can be written now.
   */
  lockout(): void;
  rateLimited(rule: string): void;
  /** Where the session cache counters come from (read on each scrape). */
  readSessionCache(read: () => SessionCacheCounters): void;
  /** The Prometheus text exposition. */
  render(): Promise<string>;
}

// Buckets for a hop on the same host up to a slow app: 0.5 ms … 10 s.
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

export function createEdgeMetrics(): EdgeMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'vestibule_requests_total',
    help: 'Requests answered by the edge, by route, gateway rule, decision and status.',
    labelNames: ['route', 'rule', 'decision', 'status'] as const,
    registers: [registry],
  });
  const upstream = new Histogram({
    name: 'vestibule_upstream_response_seconds',
    help: 'Time from dispatching a request to the upstream app until its response head arrived.',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const kratos = new Histogram({
    name: 'vestibule_kratos_whoami_seconds',
    help: 'Kratos whoami calls made by the gateway (session cache misses), by outcome.',
    labelNames: ['outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const revocations = new Counter({
    name: 'vestibule_revocation_events_total',
    help: 'Session revocation and logout events received, by source.',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const lockouts = new Counter({
    name: 'vestibule_lockouts_total',
    help: 'Accounts locked out by login protection (fed once the login-protection store lands).',
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'vestibule_rate_limit_refusals_total',
    help: 'Requests refused by a rule rate limit, by rule (fed once rule rate limits land).',
    labelNames: ['rule'] as const,
    registers: [registry],
  });
  let readCache: (() => SessionCacheCounters) | undefined;
  // Counters owned by the cache: copied at scrape time, so the hot path pays nothing for them.
  const cacheCounter = (name: string, help: string, pick: (c: SessionCacheCounters) => number) =>
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        if (!readCache) return;
        this.reset();
        this.inc(pick(readCache()));
      },
    });
  cacheCounter('vestibule_session_cache_hits_total', 'Session cache hits.', (c) => c.hits);
  cacheCounter('vestibule_session_cache_misses_total', 'Session cache misses.', (c) => c.misses);
  new Counter({
    name: 'vestibule_session_cache_evictions_total',
    help: 'Sessions removed from the cache: capacity (LRU full), expired, revoked (logout, webhook).',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      if (!readCache) return;
      this.reset();
      const { evictions } = readCache();
      for (const reason of ['capacity', 'expired', 'revoked'] as const) {
        this.inc({ reason }, evictions[reason]);
      }
    },
  });
  new Gauge({
    name: 'vestibule_session_cache_entries',
    help: 'Sessions in the cache now.',
    registers: [registry],
    collect() {
      if (readCache) this.set(readCache().size);
    },
  });

  return {
    registry,
    request: (route, rule, decision, status) =>
      requests.inc({ route, rule, decision, status: String(status) }),
    upstreamLatency: (seconds) => upstream.observe(seconds),
    kratosLatency: (outcome, seconds) => kratos.observe({ outcome }, seconds),
    revocationEvent: (source) => revocations.inc({ source }),
    lockout: () => lockouts.inc(),
    rateLimited: (rule) => rateLimited.inc({ rule }),
    readSessionCache: (read) => {
      readCache = read;
    },
    render: () => registry.metrics(),
  };
}

// Prometheus metrics for the edge (`metrics:` in vestibule.yml; docs/metrics.md).
export { createEdgeMetrics } from './edge-metrics.ts';
export type {
  EdgeMetrics,
  EdgeRouteLabel,
  KratosCallOutcome,
  RevocationSource,
  SessionCacheCounters,
} from './edge-metrics.ts';
export { createMetricsEndpoint, METRICS_PATH } from './endpoint.ts';
export type { MetricsEndpoint, MetricsEndpointOptions } from './endpoint.ts';

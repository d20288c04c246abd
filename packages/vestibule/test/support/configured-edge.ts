// The assembled edge from a vestibule.yml-shaped object (no environment), for regression tests that
// need the real wiring between proxy, pages and gateway.
import { loadConfigObject } from '../../src/config/index.ts';
import type { RunningEdge } from '../../src/edge/start-edge.ts';
import { startTestEdge } from './edge.ts';

export function startConfiguredEdge(raw: Record<string, unknown>): Promise<RunningEdge> {
  return startTestEdge(loadConfigObject(raw, { env: {} }).config);
}

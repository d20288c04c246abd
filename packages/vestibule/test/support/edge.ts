// The assembled edge (launchEdge: parts, createEdge, startEdge) on a free local port, as `vestibule serve` builds
// it, for tests that need the real wiring between proxy, pages and gateway.
import type { EdgeConfig } from '../../src/config/index.ts';
import { launchEdge, type RunningEdge } from '../../src/edge/start-edge.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';

export async function startTestEdge(config: Readonly<EdgeConfig>): Promise<RunningEdge> {
  return launchEdge(config, { host: '127.0.0.1', port: 0, logger: createMemoryLogger() });
}

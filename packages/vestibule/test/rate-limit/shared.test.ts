// Several edges on one PostgreSQL count one rate limit together (issue 15): requests spread over two
// gateways by a load balancer still meet the rule's limit once, not once per edge.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPostgres } from '../../../../test/support/postgres.ts';
import { createRateLimiters } from '../../src/rate-limit/index.ts';
import { openEdgeStore, type EdgeStore } from '../../src/store/index.ts';
import { startGatewayStack, type Stack } from '../support/gateway-stack.ts';

const server = await startPostgres();
after(() => server?.stop());
const skip = server ? false : 'no PostgreSQL server binaries (see the notice above)';

let edges: Stack[] = [];
let stores: EdgeStore[] = [];
before(async () => {
  if (!server) return;
  const postgresURL = await server.createDatabase('rate_limits');
  // Each edge its own store (own pool, migrations creating the counters' table), as two processes.
  stores = [await openEdgeStore(postgresURL), await openEdgeStore(postgresURL)];
  const start = (store: EdgeStore) =>
    startGatewayStack({
      trustProxy: true,
      rateLimiters: createRateLimiters({ pool: store.pool }),
      rules: [
        {
          id: 'api',
          path: '/api/**',
          mode: 'public',
          rate_limit: { per_anonymous_address: '4/1m' },
        },
      ],
    });
  edges = [await start(stores[0]!), await start(stores[1]!)];
});
after(async () => {
  await Promise.all(edges.map((e) => e.close()));
  await Promise.all(stores.map((s) => s.close()));
});

test(
  'two edges on one PostgreSQL share the count: the 5th request is refused whichever edge gets it',
  { skip },
  async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${edges[i % 2]!.url}/api/x`, {
        headers: { 'x-forwarded-for': '198.51.100.200', accept: 'application/json' },
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 429, 429]);
  },
);

// Issue 12: a lock survives restarting the edge, on PGlite (a directory) and on a real PostgreSQL;
// two edges on one PostgreSQL share counters (50 parallel wrong passwords split across both: at
// most 5 reach Kratos). The PostgreSQL server is a throwaway cluster (test/support/postgres.ts).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPostgres } from '../../../../test/support/postgres.ts';
import { startFakeKratos, type FakeKratos } from '../support/fake-kratos.ts';
import { startUpstream, type Upstream } from '../support/gateway-stack.ts';
import { loginForm, startProtectedEdge } from '../support/protected-edge.ts';

const server = await startPostgres();
after(() => server?.stop());
const skip = server ? false : 'no PostgreSQL server binaries (see the notice above)';

let kratos: FakeKratos;
let upstream: Upstream;
const clock = Date.parse('2026-12-07T10:00:00Z');
before(async () => {
  kratos = await startFakeKratos();
  upstream = await startUpstream();
});
after(async () => {
  await upstream.close();
  await kratos.close();
});

const edgeOn = (store: Record<string, unknown>) =>
  startProtectedEdge({ kratosURL: kratos.url, upstreamURL: upstream.url, store, now: () => clock });

async function lockThenRestart(store: Record<string, unknown>, identifier: string): Promise<void> {
  const first = await edgeOn(store);
  for (let i = 0; i < 5; i++) await loginForm(first.url, identifier, 'wrong', { json: true });
  await first.close();
  const second = await edgeOn(store);
  try {
    const res = await loginForm(second.url, identifier, 'right', { json: true });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), String(15 * 60));
  } finally {
    await second.close();
  }
}

describe('locks survive a restart', () => {
  it('on PGlite in a directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vestibule-store-'));
    try {
      await lockThenRestart({ directory: join(dir, 'edge-store') }, 'pglite@example.com');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on PostgreSQL', { skip }, async () => {
    const url = await server!.createDatabase('edge_restart');
    await lockThenRestart({ url }, 'postgres@example.com');
  });
});

describe('two edges on one PostgreSQL', () => {
  it(
    'share counters: 50 parallel wrong passwords across both, at most 5 reach Kratos',
    { skip },
    async () => {
      const url = await server!.createDatabase('edge_shared');
      const edges = [await edgeOn({ url }), await edgeOn({ url })];
      try {
        const identifier = 'shared@example.com';
        const before = kratos.submits;
        const answers = await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            loginForm(edges[i % 2]!.url, identifier, `wrong-${i}`, { json: true }),
          ),
        );
        assert.equal(kratos.submits - before, 5);
        assert.equal(answers.filter((a) => a.status === 429).length, 45);
        const [a, b] = await Promise.all(
          edges.map((e) => loginForm(e.url, identifier, 'right', { json: true })),
        );
        assert.deepEqual([a!.status, b!.status], [429, 429]);
      } finally {
        await Promise.all(edges.map((e) => e.close()));
      }
    },
  );
});

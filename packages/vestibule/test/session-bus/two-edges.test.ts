// The assembled edge with `store.url` naming a PostgreSQL (issue 15): two edges configured from
// vestibule.yml alone; the revocation webhook called on edge A answers only once edge B has been
// told, and B — which served the session from its cache — refuses it next.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPostgres } from '../../../../test/support/postgres.ts';
import type { RunningEdge } from '../../src/edge/start-edge.ts';
import { startConfiguredEdge } from '../support/configured-edge.ts';
import { startFakeKratos, type FakeKratos } from '../support/fake-kratos.ts';
import { SECRET, startUpstream, type Upstream } from '../support/gateway-stack.ts';

const server = await startPostgres();
after(() => server?.stop());
const skip = server ? false : 'no PostgreSQL server binaries (see the notice above)';

const REVOCATION_SECRET = 'revocation-secret-0123456789abcdef0123';
let kratos: FakeKratos;
let upstream: Upstream;
let edges: RunningEdge[] = [];
let url: string;

before(async () => {
  if (!server) return;
  url = await server.createDatabase('two_edges');
  kratos = await startFakeKratos();
  upstream = await startUpstream();
  const config = {
    kratos: { public_url: kratos.url },
    store: { url },
    gateway: {
      upstream_url: upstream.url,
      header_secret: SECRET,
      session_cache: { ttl: '10m' },
      revocation: { secret: REVOCATION_SECRET },
      rules: [
        { path: '/api/**', mode: 'public', rate_limit: { per_anonymous_address: '100/1m' } },
        { path: '/**', mode: 'required' },
      ],
    },
  };
  edges = [await startConfiguredEdge(config), await startConfiguredEdge(config)];
});
after(async () => {
  await Promise.all(edges.map((e) => e.close()));
  await upstream?.close();
  await kratos?.close();
});

async function page(edge: RunningEdge, token: string): Promise<number> {
  const res = await fetch(`${edge.url}/account`, {
    headers: { cookie: `ory_kratos_session=${token}`, accept: 'application/json' },
  });
  await res.arrayBuffer();
  return res.status;
}

test(
  'revoked through edge A’s webhook, refused by edge B (no config beyond store.url)',
  { skip },
  async () => {
    const [a, b] = edges as [RunningEdge, RunningEdge];
    const { token, session } = kratos.addSession();
    // B's bus connects in the background: until it does, B caches nothing (it could not hear).
    await eventually(async () => {
      assert.equal(await page(b, token), 200);
      const calls = kratos.whoamiCalls;
      assert.equal(await page(b, token), 200);
      return kratos.whoamiCalls === calls; // served from B's cache: its bus is listening
    });

    kratos.revoke(token);
    const res = await fetch(`${a.url}/.vestibule/revoke`, {
      method: 'POST',
      headers: { authorization: `Bearer ${REVOCATION_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify({ session_id: session.id }),
    });
    assert.equal(res.status, 200);
    await res.arrayBuffer();
    // B hears it by NOTIFY shortly after A answered (the bench measures how soon); until then it may
    // still serve its cache. A bus that never delivers ends in the runner's timeout, not a pass.
    await eventually(async () => (await page(b, token)) === 401);
  },
);

test(
  'each edge reaches the database through its store’s one pool (plus the LISTEN client taken from it)',
  { skip },
  async () => {
    // Touch every part that uses the database: a rate-limited rule, a login (protection).
    for (const edge of edges) {
      const res = await fetch(`${edge.url}/api/x`, { headers: { accept: 'application/json' } });
      await res.arrayBuffer();
    }
    const admin = new pg.Client({ connectionString: url, application_name: 'test-admin' });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ application_name: string; n: number }>(
        `SELECT application_name, count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND application_name <> 'test-admin'
         GROUP BY application_name ORDER BY application_name`,
      );
      const names = rows.map((r) => r.application_name);
      // Before: the bus and the rate limiters each opened a pool of their own beside the store's.
      assert.deepEqual(names, ['vestibule-edge', 'vestibule-session-bus']);
      assert.equal(rows.find((r) => r.application_name === 'vestibule-session-bus')?.n, 2);
      // The tables come from the store's migrations.
      const tables = await admin.query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables
         WHERE table_name IN ('vestibule_session_events', 'vestibule_rate_limits') ORDER BY 1`,
      );
      assert.deepEqual(
        tables.rows.map((t) => t.name),
        ['vestibule_rate_limits', 'vestibule_session_events'],
      );
    } finally {
      await admin.end();
    }
  },
);

/** Retries `check` (one request at a time) until it holds. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 5));
}

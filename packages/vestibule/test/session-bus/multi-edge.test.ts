// Several edges, one PostgreSQL (issue 15): a session revoked or logged out through edge A is
// refused by edge B, which had it cached; an edge that lost its database connection serves nothing
// from its cache meanwhile and catches up on what it missed when it reconnects. Two gateways, one
// fake Kratos, one throwaway PostgreSQL cluster (skipped with a notice without the binaries, fails
// in CI).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { startPostgres } from '../../../../test/support/postgres.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import {
  createPostgresSessionBus,
  type PostgresSessionBus,
  type SessionEvent,
} from '../../src/session-bus/index.ts';
import { openEdgeStore, type EdgeStore } from '../../src/store/index.ts';
import { RULES, startGatewayStack, withCookie, type Stack } from '../support/gateway-stack.ts';
import { until } from '../support/until.ts';

const server = await startPostgres();
after(() => server?.stop());
const skip = server ? false : 'no PostgreSQL server binaries (see the notice above)';

interface Edge {
  stack: Stack;
  store: EdgeStore;
  bus: PostgresSessionBus;
  remote: Array<{ event: SessionEvent; via: string }>;
}

/** B's reconnect waits for this gate, so a test decides how long B stays disconnected. */
let releaseB: () => void = () => {};
let bGate = Promise.resolve();
function holdB() {
  bGate = new Promise((resolve) => (releaseB = resolve));
}

let dsn: string;
let a: Edge;
let b: Edge;

async function startEdge(name: string, kratosURL?: string): Promise<Edge> {
  let bus!: PostgresSessionBus;
  const remote: Edge['remote'] = [];
  // Each edge its own store (own pool), as two edge processes would have.
  const store = await openEdgeStore(dsn);
  const stack = await startGatewayStack({
    rules: RULES,
    cache: { ttlMs: 600_000 },
    ...(kratosURL ? { kratosPublicURL: kratosURL } : {}),
    sessionBus: (cache) =>
      (bus = createPostgresSessionBus({
        pool: store.pool!,
        cache,
        logger: createMemoryLogger(),
        onRemoteEvent: (event, via) => remote.push({ event, via }),
        ...(name === 'B' ? { sleep: () => bGate } : {}),
      })),
  });
  await bus.ready;
  return { stack, store, bus, remote };
}

before(async () => {
  if (!server) return;
  dsn = await server.createDatabase('session_bus');
  a = await startEdge('A');
  b = await startEdge('B', a.stack.kratos.url); // one Kratos behind both edges
});
after(async () => {
  await Promise.all([a?.stack.close(), b?.stack.close()]);
  await Promise.all([a?.store.close(), b?.store.close()]);
});

async function status(edge: Edge, token: string): Promise<number> {
  const res = await fetch(`${edge.stack.url}/account`, { headers: withCookie(token) });
  await res.arrayBuffer();
  return res.status;
}

/** Resolves with B's next remote event of this kind (counted from now). */
function nextRemoteOn(edge: Edge, kind: SessionEvent['kind']) {
  const seen = edge.remote.length;
  return until(() => edge.remote.slice(seen).some((r) => r.event.kind === kind)).then(() =>
    edge.remote.slice(seen).find((r) => r.event.kind === kind)!,
  );
}

test(
  'a session revoked through edge A is refused by edge B, which had it cached',
  { skip },
  async () => {
    const { token, session } = a.stack.kratos.addSession();
    assert.equal(await status(a, token), 200);
    assert.equal(await status(b, token), 200);
    const cookie = { kind: 'cookie', value: token } as const;
    assert.equal(
      b.stack.gateway.sessions.cache.peek(cookie)?.id,
      session.id,
      'B serves it from cache',
    );

    a.stack.kratos.revoke(token); // Kratos ends it; only A is told (its revocation webhook)
    const heard = nextRemoteOn(b, 'session');
    assert.equal(await a.stack.gateway.revoke({ sessionId: session.id }), 1);
    // Announced before A answered: B applies it without asking Kratos first.
    assert.deepEqual((await heard).event, { kind: 'session', sessionId: session.id });
    assert.equal(b.stack.gateway.sessions.cache.peek(cookie), undefined);
    assert.equal(await status(b, token), 401);
  },
);

test(
  'a logout seen by edge A evicts that credential on edge B (by its hash, never the token)',
  { skip },
  async () => {
    const { token } = a.stack.kratos.addSession();
    assert.equal(await status(b, token), 200);
    a.stack.kratos.revoke(token);
    const heard = nextRemoteOn(b, 'credential');
    await a.stack.gateway.onLogout(new Headers(withCookie(token)));
    const { event } = await heard;
    assert.ok(event.kind === 'credential' && !event.key.includes(token));
    assert.equal(await status(b, token), 401);

    // The events table holds identifiers only.
    const client = new pg.Client({ connectionString: dsn });
    await client.connect();
    try {
      const { rows } = await client.query<{ event: unknown }>(
        'SELECT event FROM vestibule_session_events',
      );
      assert.ok(rows.length >= 2);
      assert.ok(!JSON.stringify(rows).includes(token));
    } finally {
      await client.end();
    }
  },
);

test(
  'B loses its connection: its cache is paused meanwhile, and it catches up on reconnecting',
  { skip },
  async () => {
    const { token, session } = a.stack.kratos.addSession();
    const other = a.stack.kratos.addSession();
    assert.equal(await status(b, token), 200);
    assert.equal(await status(b, other.token), 200);

    holdB();
    const admin = new pg.Client({ connectionString: dsn });
    await admin.connect();
    try {
      // Every session-bus listener goes (A's too: A reconnects on its own, B waits for the gate).
      await admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'vestibule-session-bus'",
      );
    } finally {
      await admin.end();
    }
    await until(() => !b.bus.connected);
    // Fail-safe while deaf: nothing served from B's cache, every request asks Kratos.
    assert.equal(b.stack.gateway.sessions.cache.size, 0);
    const whoamiBefore = b.stack.gateway.sessions.cache.stats.whoamiCalls;
    assert.equal(await status(b, other.token), 200);
    assert.equal(await status(b, other.token), 200);
    assert.equal(b.stack.gateway.sessions.cache.stats.whoamiCalls, whoamiBefore + 2);

    // Revoked through A while B cannot hear it.
    a.stack.kratos.revoke(token);
    const seen = b.remote.length;
    await a.stack.gateway.revoke({ identityId: session.identity.id });
    assert.equal(b.remote.length, seen, 'B heard nothing while disconnected');

    releaseB();
    await until(() => b.bus.connected);
    const caughtUp = b.remote
      .slice(seen)
      .find((r) => r.event.kind === 'identity' && r.event.identityId === session.identity.id);
    assert.equal(caughtUp?.via, 'catch-up');
    assert.equal(await status(b, token), 401);
    // Connected again: the cache is in use once more.
    assert.equal(await status(b, other.token), 200);
    const calls = b.stack.gateway.sessions.cache.stats.whoamiCalls;
    assert.equal(await status(b, other.token), 200);
    assert.equal(b.stack.gateway.sessions.cache.stats.whoamiCalls, calls);
  },
);

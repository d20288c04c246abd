// Several edges on one PostgreSQL (issue 15): how soon after edge A answers a revocation does edge B
// — another process — evict the session? Target: within 100 ms. A throwaway PostgreSQL cluster (the
// suite's), this process as edge A's bus, a forked process as edge B's bus with a real session
// cache; each event is announced after B confirmed the previous one, so latencies do not queue.
import { fork } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startPostgres } from '../test/support/postgres.ts';
import { createMemoryLogger } from '../packages/vestibule/src/lib/logger.ts';
import { createSessionCache } from '../packages/vestibule/src/session/cache.ts';
import { createPostgresSessionBus } from '../packages/vestibule/src/session-bus/index.ts';
import { openEdgeStore } from '../packages/vestibule/src/store/index.ts';

const ROUNDS = Number(process.env.BENCH_BUS_ROUNDS ?? 300);
const wallClock = () => performance.timeOrigin + performance.now();
const cache = () => createSessionCache({ whoami: () => Promise.resolve(null) });

if (process.argv[2] === 'edge-b') {
  // Each edge its store (one pool; its migrations create the events table), as `store.url` does.
  const store = await openEdgeStore(process.argv[3]!);
  const bus = createPostgresSessionBus({
    pool: store.pool!,
    cache: cache(),
    logger: createMemoryLogger(),
    onRemoteEvent: (event) => {
      if (event.kind === 'session') process.send!({ id: event.sessionId, at: wallClock() });
    },
  });
  await bus.ready;
  process.send!({ ready: true });
  process.on(
    'message',
    () =>
      void bus
        .close()
        .then(() => store.close())
        .then(() => process.exit(0)),
  );
} else {
  const server = await startPostgres();
  if (!server) process.exit(1);
  try {
    const url = await server.createDatabase('bench_bus');
    const storeA = await openEdgeStore(url);
    const a = createPostgresSessionBus({
      pool: storeA.pool!,
      cache: cache(),
      logger: createMemoryLogger(),
    });
    await a.ready;
    const b = fork(fileURLToPath(import.meta.url), ['edge-b', url], { stdio: 'inherit' });
    const received = new Map<string, number>();
    let waiting: ((id: string) => void) | undefined;
    b.on('message', (m: { ready?: boolean; id?: string; at?: number }) => {
      if (m.id) {
        received.set(m.id, m.at!);
        waiting?.(m.id);
      } else if (m.ready) waiting?.('ready');
    });
    await new Promise<void>((resolve) => (waiting = () => resolve()));

    const afterAnswer: number[] = [];
    const afterStart: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const id = `bench-session-${i}`;
      const heard = new Promise<void>((resolve) => (waiting = (got) => got === id && resolve()));
      const started = wallClock();
      await a.announce({ kind: 'session', sessionId: id });
      const answered = wallClock(); // the edge answers its client here
      await heard;
      afterAnswer.push(received.get(id)! - answered);
      afterStart.push(received.get(id)! - started);
    }
    b.send('stop');
    await a.close();
    await storeA.close();
    await new Promise((resolve) => b.once('exit', resolve));

    const q = (xs: number[], p: number) =>
      [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;
    const row = (name: string, xs: number[]) =>
      `| ${name.padEnd(38)} | ${q(xs, 0.5).toFixed(2).padStart(7)} | ${q(xs, 0.95).toFixed(2).padStart(7)} | ${Math.max(
        ...xs,
      )
        .toFixed(2)
        .padStart(7)} |`;
    console.log(`\nsession bus: ${ROUNDS} revocations announced by edge A, heard by edge B (ms)`);
    console.log('| from                                   |     p50 |     p95 |     max |');
    console.log('| -------------------------------------- | ------: | ------: | ------: |');
    console.log(row("A's answer → B evicted (target ≤ 100)", afterAnswer));
    console.log(row('A starts announcing → B evicted', afterStart));
    const worst = Math.max(...afterAnswer);
    console.log(worst <= 100 ? '✓ within 100 ms' : `✗ slowest ${worst.toFixed(1)} ms > 100 ms`);
  } finally {
    await server.stop();
  }
}

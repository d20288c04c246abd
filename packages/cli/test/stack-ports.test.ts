// A free port planned for a part that listens seconds later (the identity server opens its database
// first) stays bound until that part is about to listen: released early, another process could take
// it in between and the stack died with EADDRINUSE (seen once in CI).
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { reservePort } from '../src/stack/ports.ts';

const listenOn = (port: number) =>
  new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

test('a reserved free port is held until released, then free for its server', async () => {
  const reservation = await reservePort('127.0.0.1', 0);
  assert.ok(reservation.port > 0);
  await assert.rejects(listenOn(reservation.port), { code: 'EADDRINUSE' });
  await reservation.release();
  await reservation.release(); // twice is harmless (a failed start releases too)
  const server = await listenOn(reservation.port);
  await new Promise((r) => server.close(r));
});

test('a requested port is not touched', async () => {
  const reservation = await reservePort('127.0.0.1', 4999);
  assert.equal(reservation.port, 4999);
  await reservation.release();
});

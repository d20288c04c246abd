// /health/ready with an OAuth2 server (Hydra): an embedded one still starting in the background is
// reported as `starting` and does not hold the edge's readiness (a load balancer would otherwise hold
// traffic the rest of the stack serves); a configured Hydra that does not answer still does.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { loadConfigObject } from '../../src/config/index.ts';
import { buildEdgeParts } from '../../src/edge/parts.ts';
import { healthResponse, readinessOf } from '../../src/edge/health.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';

let up: Server;
let upURL: string;
let closedPort: number;
before(async () => {
  // One server answers as Kratos, the upstream and a Hydra that is up; a closed port is one that is not.
  up = createServer((_req, res) => res.end('{"status":"ok"}'));
  await new Promise<void>((resolve) => up.listen(0, '127.0.0.1', resolve));
  upURL = `http://127.0.0.1:${(up.address() as AddressInfo).port}`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise((resolve) => closed.close(resolve));
});
after(() => new Promise((resolve) => up.close(resolve)));

async function readiness(hydraAdminURL: string, oauth2Starting?: () => boolean) {
  const { config } = loadConfigObject(
    {
      kratos: { public_url: upURL, admin_url: upURL },
      hydra: { admin_url: hydraAdminURL },
      gateway: { upstream_url: upURL, header_secret: 'readiness-test-secret-0123456789abcdef' },
      protection: { enabled: false },
    },
    { env: {} },
  );
  const parts = await buildEdgeParts(config, {
    logger: createMemoryLogger(),
    ...(oauth2Starting ? { oauth2Starting } : {}),
  });
  try {
    const res = await healthResponse('/health/ready', parts.ready);
    return { status: res.status, body: (await res.json()) as unknown };
  } finally {
    await parts.close?.();
  }
}

test('an embedded OAuth2 server still starting: ready, with hydra "starting"', async () => {
  assert.deepEqual(await readiness(`http://127.0.0.1:${closedPort}`, () => true), {
    status: 200,
    body: { status: 'ok', checks: { kratos: true, upstream: true, hydra: 'starting' } },
  });
});

test('a configured Hydra that does not answer holds readiness (503, hydra false)', async () => {
  assert.deepEqual(await readiness(`http://127.0.0.1:${closedPort}`), {
    status: 503,
    body: { status: 'unavailable', checks: { kratos: true, upstream: true, hydra: false } },
  });
});

test('an embedded server that stopped starting (failed) and does not answer holds readiness too', async () => {
  const res = await readiness(`http://127.0.0.1:${closedPort}`, () => false);
  assert.equal(res.status, 503);
});

test('a Hydra that answers is true, starting or not', async () => {
  for (const starting of [undefined, () => true]) {
    assert.deepEqual((await readiness(upURL, starting)).body, {
      status: 'ok',
      checks: { kratos: true, upstream: true, hydra: true },
    });
  }
});

test('readinessOf: answers first, then starting, else false; only false is unavailable', async () => {
  assert.equal(
    await readinessOf(
      async () => true,
      () => true,
    ),
    true,
  );
  assert.equal(
    await readinessOf(
      async () => false,
      () => true,
    ),
    'starting',
  );
  assert.equal(await readinessOf(async () => false, undefined), false);
  const mixed = await healthResponse('/health/ready', async () => ({ a: true, b: 'starting' }));
  assert.equal(mixed.status, 200);
  const down = await healthResponse('/health/ready', async () => ({ a: 'starting', b: false }));
  assert.equal(down.status, 503);
});

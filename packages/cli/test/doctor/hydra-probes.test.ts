// doctor's wait for an OAuth2 server the edge reports as starting (the demo stack starts it after
// the edge): it polls while the edge answers /oauth2/* with 503 + Retry-After, stops as soon as
// Hydra is ready, and otherwise reports "starting" — with a fake sleep, no real-time window.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfigObject } from 'vestibule/config';
import { probeHydra } from '../../src/doctor/hydra-probes.ts';

/** One server playing the edge (/oauth2/error) and Hydra's public API, "up" once flipped. */
let hydraUp = false;
/** The public listener also serving the admin API (one port for both). */
let adminOnPublic = false;
/** Hydra finishes starting just as doctor asks the edge (between its two probes). */
let upWhenEdgeAsked = false;
let server: Server;
let url: string;
before(async () => {
  server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/oauth2/error') {
      if (upWhenEdgeAsked) hydraUp = true;
      if (hydraUp) res.writeHead(200).end('error page');
      else res.writeHead(503, { 'retry-after': '2' }).end('still starting');
    } else if (path?.startsWith('/health/')) {
      res.writeHead(hydraUp ? 200 : 503).end('{}');
    } else if (path === '/.well-known/openid-configuration') {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ issuer: url }));
    } else if (path === '/admin/clients' && adminOnPublic) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const config = () =>
  loadConfigObject({ server: { public_url: url }, hydra: { public_url: url } }, { env: {} }).config;

test('an OAuth2 server that stays starting is reported as starting after the bounded wait', async () => {
  hydraUp = false;
  let sleeps = 0;
  const hydra = await probeHydra(config(), {
    timeoutMs: 2_000,
    startWaitMs: 1_000,
    sleep: async () => void sleeps++,
  });
  assert.equal(hydra?.starting, true);
  assert.equal(hydra?.public.ok, false);
  assert.equal(sleeps, 4, 'polls for the whole wait (1 s in 250 ms steps), then gives up');
});

test('doctor waits while the edge says starting and probes Hydra once it is ready', async () => {
  hydraUp = false;
  let sleeps = 0;
  const hydra = await probeHydra(config(), {
    timeoutMs: 2_000,
    startWaitMs: 20_000,
    sleep: async () => {
      if (++sleeps === 3) hydraUp = true;
    },
  });
  assert.equal(sleeps, 3, 'stops polling as soon as Hydra answers');
  assert.equal(hydra?.starting, undefined);
  assert.equal(hydra?.public.ok, true);
  assert.equal(hydra?.discovery?.issuer, url);
});

test('a Hydra that is down while the edge does not say starting is not waited for', async () => {
  hydraUp = false;
  let sleeps = 0;
  const hydra = await probeHydra(
    loadConfigObject(
      { server: { public_url: 'http://127.0.0.1:9' }, hydra: { public_url: url } },
      { env: {} },
    ).config,
    { timeoutMs: 2_000, startWaitMs: 20_000, sleep: async () => void sleeps++ },
  );
  assert.equal(sleeps, 0);
  assert.equal(hydra?.starting, undefined);
  assert.match(hydra!.public.error!, /HTTP 503 from \/health\/alive/);
});

test("Hydra's admin API answering on its public listener is found; not when it answers 404 there", async () => {
  hydraUp = true;
  const cfg = loadConfigObject(
    { server: { public_url: url }, hydra: { public_url: url, admin_url: 'http://127.0.0.1:9' } },
    { env: {} },
  ).config;
  adminOnPublic = true;
  const exposed = await probeHydra(cfg, { timeoutMs: 2_000 });
  assert.deepEqual(exposed?.adminExposedAt, [`${url}/admin/clients`]);
  adminOnPublic = false;
  const privateAdmin = await probeHydra(cfg, { timeoutMs: 2_000 });
  assert.deepEqual(privateAdmin?.adminExposedAt, []);
});

test('a Hydra that comes up between the first probe and the edge check is probed again, not reported down', async () => {
  hydraUp = false;
  upWhenEdgeAsked = true;
  try {
    let sleeps = 0;
    const hydra = await probeHydra(config(), {
      timeoutMs: 2_000,
      startWaitMs: 20_000,
      sleep: async () => void sleeps++,
    });
    assert.equal(sleeps, 0, 'the edge no longer says starting: no wait');
    assert.equal(hydra?.starting, undefined);
    assert.equal(hydra?.public.ok, true);
  } finally {
    upWhenEdgeAsked = false;
  }
});

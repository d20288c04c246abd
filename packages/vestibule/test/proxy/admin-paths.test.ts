// ≥ 100 encoded spellings of admin paths sent over a real socket, byte for byte: every one is
// refused at the proxy and the upstream never sees a single request.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOryProxy, type OryProxy } from '../../src/proxy/index.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { adminPathVariants } from '../support/admin-path-variants.ts';
import {
  rawGet,
  sendJSON,
  serveHandler,
  startStub,
  type Running,
  type Stub,
} from '../support/http-stubs.ts';

let upstream: Stub;
let proxy: OryProxy;
let edge: Running;

before(async () => {
  upstream = await startStub((_req, res) => sendJSON(res, 200, { reached: true }));
  proxy = createOryProxy({ kratosPublicURL: upstream.url, logger: createMemoryLogger() });
  edge = await serveHandler(proxy);
});
after(async () => {
  await edge.close();
  await upstream.close();
  await proxy.close();
});

test('encoded admin-path variants are refused and never reach the upstream', async () => {
  const variants = adminPathVariants();
  assert.ok(variants.length >= 100);
  const statuses = new Map<number, number>();
  for (const target of variants) {
    const status = await rawGet(edge.url, target);
    // 404 from the proxy; Node's HTTP parser may refuse the most malformed lines itself (400).
    assert.ok(status === 404 || status === 400, `${target} → ${status}`);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }
  assert.deepEqual(upstream.seen, [], 'the upstream saw nothing');
  assert.ok((statuses.get(404) ?? 0) >= 100, `404s: ${statuses.get(404)}`);
});

test('the control: a public path over the same socket path does reach the upstream', async () => {
  assert.equal(await rawGet(edge.url, '/api/ory/sessions%2Fwhoami'), 200);
  assert.equal(upstream.seen.at(-1)?.url, '/sessions/whoami', 'forwarded normalised, not raw');
});

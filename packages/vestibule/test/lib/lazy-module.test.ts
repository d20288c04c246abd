// lib/lazy-module.ts: what the edge loads on first use (issue 15) is loaded once, shared by the
// callers that wait for it, and a failed load is a clear error that the next call retries.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lazyModule } from '../../src/lib/lazy-module.ts';
import { VestibuleError } from '../../src/lib/errors.ts';

test('loads once: concurrent and later callers share one import', async () => {
  let loads = 0;
  const load = lazyModule('a module', async () => ({ n: ++loads }));
  const [a, b] = await Promise.all([load(), load()]);
  assert.equal(a, b);
  assert.equal(await load(), a);
  assert.equal(loads, 1);
});

test('a failed load names the module, is a 500 VestibuleError, and is tried again', async () => {
  let loads = 0;
  const load = lazyModule('the Ory SDK', async () => {
    if (++loads === 1) throw new Error("Cannot find package '@ory/client-fetch'");
    return { ok: true };
  });
  await assert.rejects(load(), (err: unknown) => {
    assert.ok(err instanceof VestibuleError);
    assert.equal(err.code, 'INTERNAL');
    assert.equal(err.status, 500);
    assert.match(err.message, /could not load the Ory SDK: Cannot find package/);
    // Nothing about the module reaches a browser.
    assert.equal(err.publicMessage, 'Something went wrong.');
    return true;
  });
  assert.deepEqual(await load(), { ok: true });
  assert.equal(loads, 2);
});

test('the real lazy imports resolve: the Ory SDK, the edge store state, prom-client', async () => {
  const { loadOrySDK } = await import('../../src/pages/ory-sdk.ts');
  assert.equal(typeof (await loadOrySDK()).FrontendApi, 'function');
  const { protectionState, openEdgeStore } = await import('../../src/protection/setup.ts');
  assert.equal(typeof protectionState, 'function');
  assert.equal(typeof openEdgeStore, 'function');
  const metrics = await import('../../src/metrics/index.ts');
  assert.equal(typeof metrics.createEdgeMetrics, 'function');
});

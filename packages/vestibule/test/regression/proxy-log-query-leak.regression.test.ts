// Secrets in the proxy's failure log: a failed Kratos exchange logged the whole URL, whose query held
// unredeemed recovery and logout tokens and OIDC codes, for anyone reading the logs to redeem. Fixed
// in a7ceb1f: the failure is logged with the path only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOryProxy } from '../../src/proxy/index.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { serveHandler, startStub } from '../support/http-stubs.ts';

test('a failed exchange never logs the one-time token in its query, only the path', async () => {
  const gone = await startStub(() => undefined);
  await gone.close();
  const logger = createMemoryLogger();
  const proxy = createOryProxy({ kratosPublicURL: gone.url, logger });
  const edge = await serveHandler(proxy);
  try {
    for (const query of [
      'flow=f&token=RECOVERY-SECRET',
      'token=LOGOUT-SECRET',
      'code=OIDC-SECRET',
    ]) {
      const res = await fetch(`${edge.url}/api/ory/self-service/recovery?${query}`);
      assert.equal(res.status, 502);
    }
    const failed = logger.lines.filter((l) => l.msg === 'kratos exchange failed');
    assert.equal(failed.length, 3);
    assert.match(JSON.stringify(failed), /\/self-service\/recovery/);
    assert.doesNotMatch(JSON.stringify(logger.lines), /SECRET/);
  } finally {
    await edge.close();
    await proxy.close();
  }
});

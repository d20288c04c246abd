import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { loadConfigObject } from '../../src/config/index.ts';
import { launchEdge } from '../../src/edge/start-edge.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';

// Nothing listens on these: launching must not need Kratos or the app to be up.
const { config } = loadConfigObject(
  {
    kratos: { public_url: 'http://127.0.0.1:9/' },
    gateway: {
      upstream_url: 'http://127.0.0.1:9/',
      header_secret: 'a-header-secret-of-at-least-32-characters',
      rules: [{ path: '/', mode: 'public' }],
    },
  },
  { env: {} },
);

test('launchEdge: a taken port is a clear EADDRINUSE; the same config launches once the port is free', async () => {
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
  const { port } = squatter.address() as AddressInfo;
  const logger = createMemoryLogger();
  await assert.rejects(launchEdge(config, { host: '127.0.0.1', port, logger }), {
    code: 'EADDRINUSE',
  });
  await new Promise<void>((resolve) => squatter.close(() => resolve()));

  const running = await launchEdge(config, { host: '127.0.0.1', port, logger });
  try {
    assert.equal(running.url, `http://127.0.0.1:${port}`);
    const res = await fetch(`${running.url}/health`);
    assert.equal(res.status, 200);
  } finally {
    await running.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

test("launchEdge: Oathkeeper rules are imported for server.public_url's host only", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vestibule-ok-'));
  const rule = (id: string, url: string) =>
    `- { id: ${id}, match: { url: "${url}", methods: [GET] }, authenticators: [{ handler: noop }], authorizer: { handler: allow } }\n`;
  const elsewhere = join(dir, 'elsewhere.yml');
  await writeFile(elsewhere, rule('other', 'http://other.example/<.*>'));
  const mixed = join(dir, 'mixed.yml');
  await writeFile(
    mixed,
    rule('other', 'http://other.example/<.*>') + rule('here', 'https://app.example/docs/<.*>'),
  );
  const configWith = (file: string) =>
    loadConfigObject(
      {
        server: { public_url: 'https://app.example' },
        kratos: { public_url: 'http://127.0.0.1:9/' },
        gateway: {
          upstream_url: 'http://127.0.0.1:9/',
          header_secret: 'a-header-secret-of-at-least-32-characters',
          oathkeeper_rules_file: file,
        },
      },
      { env: {} },
    ).config;
  const logger = createMemoryLogger();
  // A file written for another host (or the wrong file) must not load as if it applied here.
  await assert.rejects(launchEdge(configWith(elsewhere), { host: '127.0.0.1', port: 0, logger }));
  const running = await launchEdge(configWith(mixed), { host: '127.0.0.1', port: 0, logger });
  try {
    // Only `here` was imported: /docs/x is forwarded (to a dead upstream: 502), /x has no rule (404).
    assert.equal((await fetch(`${running.url}/docs/x`)).status, 502);
    assert.equal((await fetch(`${running.url}/x`)).status, 404);
    assert.ok(logger.lines.some((l) => JSON.stringify(l).includes('other')));
  } finally {
    await running.close();
  }
});

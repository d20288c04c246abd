// When the login protection's store opens (issue 15, memory): an embedded PGlite store is ~100 MB of
// the edge's memory, so it waits for self-service traffic; a PostgreSQL URL still opens before the
// edge listens (a wrong URL stops the edge there). What must hold: nothing opens the embedded store
// at start; a flow read through the proxy warms it in the background; the submit that follows is
// protected (counted); a failed opening is tried again by the next request rather than kept.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadConfigObject } from '../../src/config/index.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { openLoginProtection } from '../../src/protection/index.ts';

const root = mkdtempSync(join(tmpdir(), 'store-opening-'));
after(() => rmSync(root, { recursive: true, force: true }));

const configWith = (store: Record<string, unknown>) =>
  loadConfigObject(
    {
      kratos: { public_url: 'http://127.0.0.1:1' },
      gateway: { upstream_url: 'http://127.0.0.1:2', header_secret: 'x'.repeat(32) },
      store,
    },
    { env: {} },
  ).config;

const context = { clientAddress: '192.0.2.1', requestId: 'r1' } as never;
const forwarded: string[] = [];
const proxy = (request: Request) => {
  forwarded.push(`${request.method} ${new URL(request.url).pathname}`);
  return Promise.resolve(new Response('{}', { status: 200 }));
};
const flowRead = () =>
  new Request('http://edge.test/api/ory/self-service/login/browser', {
    headers: { accept: 'application/json' },
  });

test('an in-memory store opens on the first self-service request, not at start', async () => {
  const logger = createMemoryLogger();
  const protection = await openLoginProtection(configWith({ url: 'memory' }), { logger });
  try {
    assert.equal(protection.opened, false, 'nothing opened it at start');
    await protection.prune(); // the hourly pruning does not open it either
    assert.equal(protection.opened, false);
    const handler = protection.wrap(proxy);
    const response = await handler(flowRead(), context);
    assert.equal(response.status, 200, 'the flow read is not held up by the opening');
    assert.equal(protection.opened, true, 'the flow read started the opening');
    const { counters } = await protection.state();
    assert.ok(counters, 'open, with its counters');
  } finally {
    await protection.close();
  }
});

test('a whoami or a schema read through the proxy does not open the store; a flow read does', async () => {
  const protection = await openLoginProtection(configWith({ url: 'memory' }), {
    logger: createMemoryLogger(),
  });
  try {
    const handler = protection.wrap(proxy);
    for (const path of [
      '/api/ory/sessions/whoami',
      '/api/ory/schemas/default',
      '/api/ory/self-service', // not a flow
      '/api/ory/sessions/../self-service-x/login',
    ]) {
      const response = await handler(new Request(`http://edge.test${path}`), context);
      assert.equal(response.status, 200, path);
      assert.equal(protection.opened, false, `${path} opened the store`);
    }
    await handler(
      new Request('http://edge.test/api/ory/x/../self-service/login/flows?id=1'),
      context,
    );
    assert.equal(protection.opened, true, 'a flow read (however spelled) opens it');
  } finally {
    await protection.close();
  }
});

test('a PostgreSQL URL opens before the edge listens: a wrong one fails at start', async () => {
  await assert.rejects(
    openLoginProtection(configWith({ url: 'postgres://nobody@127.0.0.1:1/none' }), {
      logger: createMemoryLogger(),
    }),
  );
});

test('a directory store that fails to open is tried again by the next request', async () => {
  const dir = join(root, 'blocked');
  writeFileSync(dir, 'a file where the directory should be');
  const logger = createMemoryLogger();
  const protection = await openLoginProtection(configWith({ directory: dir }), { logger });
  try {
    await assert.rejects(protection.state());
    assert.equal(protection.opened, false, 'the failure is not kept');
    rmSync(dir);
    const { store } = await protection.state();
    assert.equal(store.target.kind, 'directory');
  } finally {
    await protection.close();
  }
});

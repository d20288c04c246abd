import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { loadConfigObject } from '../../src/config/index.ts';
import { createEdge } from '../../src/edge/create-edge.ts';
import { startEdge } from '../../src/edge/start-edge.ts';
import type { EdgeParts } from '../../src/edge/types.ts';
import { KratosUnavailable } from '../../src/lib/errors.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';

const { config } = loadConfigObject({}, { env: {} });

/** Parts that say who answered, so routing is observable. */
function recordingParts(overrides: Partial<EdgeParts> = {}): EdgeParts & { seen: string[] } {
  const seen: string[] = [];
  const answer = (who: string) => async (request: Request) => {
    seen.push(`${who} ${new URL(request.url).pathname}`);
    return new Response(who);
  };
  return {
    seen,
    proxy: answer('proxy'),
    pages: {
      matches: (p) => ['/login', '/registration', '/error'].includes(p),
      handle: answer('pages'),
    },
    gateway: answer('gateway'),
    ...overrides,
  };
}

test('routes the proxy prefix, the pages and everything else to the gateway', async () => {
  const parts = recordingParts();
  const edge = createEdge(config, { parts, logger: createMemoryLogger() });
  for (const path of [
    '/api/ory/sessions/whoami',
    '/api/ory',
    '/login',
    '/registration',
    '/',
    '/api/oryx',
    '/loginx',
  ]) {
    await edge.fetch(new Request(`http://edge.test${path}`));
  }
  assert.deepEqual(parts.seen, [
    'proxy /api/ory/sessions/whoami',
    'proxy /api/ory',
    'pages /login',
    'pages /registration',
    'gateway /',
    'gateway /api/oryx',
    'gateway /loginx',
  ]);
});

test('mounts answer their own paths and pass the rest on to the gateway', async () => {
  const parts = recordingParts({
    mounts: [
      async (request) =>
        new URL(request.url).pathname === '/dev/mailbox' ? new Response('mailbox') : null,
    ],
  });
  const edge = createEdge(config, { parts, logger: createMemoryLogger() });
  assert.equal(
    await (await edge.fetch(new Request('http://edge.test/dev/mailbox'))).text(),
    'mailbox',
  );
  assert.equal(
    await (await edge.fetch(new Request('http://edge.test/dev/other'))).text(),
    'gateway',
  );
});

test('dot segments are resolved before routing, so /x/../api/ory/… is the proxy', async () => {
  const parts = recordingParts();
  const edge = createEdge(config, { parts, logger: createMemoryLogger() });
  await edge.fetch(new Request('http://edge.test/app/../api/ory/sessions/whoami'));
  assert.deepEqual(parts.seen, ['proxy /api/ory/sessions/whoami']);
});

test('every response carries a fresh request id; a client-sent one is ignored without trust_proxy', async () => {
  const edge = createEdge(config, { parts: recordingParts(), logger: createMemoryLogger() });
  const a = await edge.fetch(
    new Request('http://edge.test/', { headers: { 'x-request-id': 'forged-id-123' } }),
  );
  const b = await edge.fetch(new Request('http://edge.test/'));
  assert.match(a.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));

  const trusting = loadConfigObject({ server: { trust_proxy: true } }, { env: {} }).config;
  const behindLB = createEdge(trusting, { parts: recordingParts(), logger: createMemoryLogger() });
  const c = await behindLB.fetch(
    new Request('http://edge.test/', { headers: { 'x-request-id': 'lb-id-12345' } }),
  );
  assert.equal(c.headers.get('x-request-id'), 'lb-id-12345');
});

test('a thrown error becomes a client-safe page with the request id; details go to the log only', async () => {
  const logger = createMemoryLogger();
  const parts = recordingParts({
    gateway: async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.7:5432 secret-internal-host');
    },
  });
  const edge = createEdge(config, { parts, logger });
  const html = await edge.fetch(
    new Request('http://edge.test/notes', { headers: { accept: 'text/html' } }),
  );
  const id = html.headers.get('x-request-id')!;
  const page = await html.text();
  assert.equal(html.status, 500);
  assert.match(html.headers.get('content-type')!, /^text\/html/);
  assert.ok(page.includes(id), 'the page shows the request id');
  assert.ok(!page.includes('secret-internal-host') && !page.includes('ECONNREFUSED'));
  const logged = logger.lines.find((l) => l.msg === 'request failed');
  assert.equal(logged?.request_id, id);
  assert.match(JSON.stringify(logged), /secret-internal-host/);

  const json = await edge.fetch(
    new Request('http://edge.test/api/notes', { headers: { accept: 'application/json' } }),
  );
  const body = (await json.json()) as { error: Record<string, unknown> };
  assert.equal(json.status, 500);
  assert.deepEqual(body.error, {
    code: 'INTERNAL',
    status: 500,
    message: 'Something went wrong.',
    request_id: json.headers.get('x-request-id'),
  });
});

test('a Kratos timeout maps to 504 with its public message', async () => {
  const parts = recordingParts({
    proxy: async () => {
      throw new KratosUnavailable('kratos at http://ory-kratos:4433 did not answer', {
        timeout: true,
      });
    },
  });
  const edge = createEdge(config, { parts, logger: createMemoryLogger() });
  const res = await edge.fetch(new Request('http://edge.test/api/ory/sessions/whoami'));
  const body = await res.text();
  assert.equal(res.status, 504);
  assert.match(body, /KRATOS_TIMEOUT/);
  assert.ok(!body.includes('ory-kratos'));
});

test('the access log has method, path without query, status and request id', async () => {
  const logger = createMemoryLogger();
  const edge = createEdge(config, { parts: recordingParts(), logger });
  const res = await edge.fetch(
    new Request('http://edge.test/api/ory/self-service/logout?token=SECRET'),
  );
  const line = logger.lines.find((l) => l.msg === 'request')!;
  assert.equal(line.method, 'GET');
  assert.equal(line.path, '/api/ory/self-service/logout');
  assert.equal(line.status, 200);
  assert.equal(line.request_id, res.headers.get('x-request-id'));
  assert.ok(!JSON.stringify(logger.lines).includes('SECRET'));
});

test('/health is live; /health/ready reports the parts and is 503 when one is down', async () => {
  let kratosUp = true;
  const parts = recordingParts({ ready: async () => ({ kratos: kratosUp, upstream: true }) });
  const edge = createEdge(config, { parts, logger: createMemoryLogger() });
  assert.equal((await edge.fetch(new Request('http://edge.test/health'))).status, 200);
  const ready = await edge.fetch(new Request('http://edge.test/health/ready'));
  assert.deepEqual(await ready.json(), { status: 'ok', checks: { kratos: true, upstream: true } });
  kratosUp = false;
  const notReady = await edge.fetch(new Request('http://edge.test/health/ready'));
  assert.equal(notReady.status, 503);
  assert.equal(parts.seen.length, 0, 'health never reaches the app');
});

test('over a real socket: request ids, upgrade refused without a hook, graceful close waits for in-flight', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const reachedHandler = new Promise<void>((r) => (entered = r));
  let closedParts = false;
  const parts = recordingParts({
    gateway: async () => {
      entered();
      await gate;
      return new Response('slow done');
    },
    close: async () => {
      closedParts = true;
    },
  });
  const edge = createEdge(config, { parts, logger: createMemoryLogger() });
  const running = await startEdge(edge, {
    host: '127.0.0.1',
    port: 0,
    logger: createMemoryLogger(),
  });
  try {
    const health = await fetch(`${running.url}/health`);
    assert.equal(health.status, 200);
    assert.ok(health.headers.get('x-request-id'));

    const upgrade = await rawRequest(
      running.port,
      'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
    );
    assert.match(upgrade, /^HTTP\/1\.1 404/);

    const slow = fetch(`${running.url}/slow`).then((r) => r.text());
    await reachedHandler;
    const closing = running.close();
    release();
    assert.equal(await slow, 'slow done');
    await closing;
    assert.ok(closedParts);
    await assert.rejects(fetch(`${running.url}/health`));
  } finally {
    release();
    await running.close();
  }
});

function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

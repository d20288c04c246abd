import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { loadConfigObject } from '../../src/config/index.ts';
import { createEdge } from '../../src/edge/create-edge.ts';
import { startEdge } from '../../src/edge/start-edge.ts';
import type { EdgeParts, GatewayPart } from '../../src/edge/types.ts';
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
  const gateway: GatewayPart = {
    handle: async (req: IncomingMessage, res: ServerResponse) => {
      seen.push(`gateway ${req.url} id=${req.headers['x-request-id']}`);
      res.end('gateway');
    },
  };
  return {
    seen,
    proxy: answer('proxy'),
    pages: {
      matches: (p) => ['/login', '/registration', '/error'].includes(p),
      handle: answer('pages'),
    },
    mounts: [{ matches: (p) => p === '/dev/mailbox', handle: answer('mailbox') }],
    gateway,
    ...overrides,
  };
}

async function withServer<T>(
  parts: EdgeParts,
  run: (url: string) => Promise<T>,
  logger = createMemoryLogger(),
): Promise<T> {
  const running = await startEdge(createEdge(config, { parts, logger }), {
    host: '127.0.0.1',
    port: 0,
    logger,
  });
  try {
    return await run(running.url);
  } finally {
    await running.close();
  }
}

test('routes the proxy prefix, the pages and mounts, and everything else to the gateway', () => {
  const edge = createEdge(config, { parts: recordingParts(), logger: createMemoryLogger() });
  const table = Object.fromEntries(
    [
      '/health',
      '/api/ory/sessions/whoami',
      '/api/ory',
      '/login',
      '/dev/mailbox',
      '/',
      '/api/oryx',
      '/loginx',
      '/dev/mailboxes',
    ].map((p) => [p, edge.routeOf(p)]),
  );
  assert.deepEqual(table, {
    '/health': 'health',
    '/api/ory/sessions/whoami': 'proxy',
    '/api/ory': 'proxy',
    '/login': 'pages',
    '/dev/mailbox': 'mount',
    '/': 'gateway',
    '/api/oryx': 'gateway',
    '/loginx': 'gateway',
    '/dev/mailboxes': 'gateway',
  });
});

test('over a socket each part answers its paths; dot segments resolve before routing', async () => {
  const parts = recordingParts();
  await withServer(parts, async (url) => {
    for (const path of ['/api/ory/sessions/whoami', '/login', '/dev/mailbox', '/notes?x=1']) {
      const res = await fetch(url + path);
      assert.ok(res.headers.get('x-request-id'));
      await res.text();
    }
    // fetch() would normalise the path itself: send the raw request line.
    const raw = await rawRequest(
      new URL(url).port,
      'GET /app/../api/ory/sessions/whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.match(raw, /^HTTP\/1\.1 200/);
  });
  assert.equal(parts.seen[0], 'proxy /api/ory/sessions/whoami');
  assert.equal(parts.seen[1], 'pages /login');
  assert.equal(parts.seen[2], 'mailbox /dev/mailbox');
  assert.match(parts.seen[3]!, /^gateway \/notes\?x=1 id=[0-9a-f-]{36}$/);
  assert.equal(parts.seen[4], 'proxy /api/ory/sessions/whoami');
});

test('the gateway gets the edge request id, never the client-sent one (without trust_proxy)', async () => {
  const parts = recordingParts();
  await withServer(parts, async (url) => {
    const res = await fetch(`${url}/notes`, { headers: { 'x-request-id': 'forged-id-123' } });
    await res.text();
    const id = res.headers.get('x-request-id')!;
    assert.match(id, /^[0-9a-f-]{36}$/);
    assert.equal(parts.seen[0], `gateway /notes id=${id}`);
  });
});

test('every Web response carries a fresh request id; a trusted proxy may set it', async () => {
  const edge = createEdge(config, { parts: recordingParts(), logger: createMemoryLogger() });
  const a = await edge.fetch(
    new Request('http://edge.test/login', { headers: { 'x-request-id': 'forged-id-123' } }),
  );
  const b = await edge.fetch(new Request('http://edge.test/login'));
  assert.match(a.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  assert.notEqual(a.headers.get('x-request-id'), b.headers.get('x-request-id'));

  const trusting = loadConfigObject({ server: { trust_proxy: true } }, { env: {} }).config;
  const behindLB = createEdge(trusting, { parts: recordingParts(), logger: createMemoryLogger() });
  const c = await behindLB.fetch(
    new Request('http://edge.test/login', { headers: { 'x-request-id': 'lb-id-12345' } }),
  );
  assert.equal(c.headers.get('x-request-id'), 'lb-id-12345');
});

test('a thrown error becomes a client-safe page with the request id; details go to the log only', async () => {
  const logger = createMemoryLogger();
  const parts = recordingParts({
    pages: {
      matches: (p) => p === '/login',
      handle: async () => {
        throw new Error('connect ECONNREFUSED 10.0.0.7:5432 secret-internal-host');
      },
    },
  });
  const edge = createEdge(config, { parts, logger });
  const html = await edge.fetch(
    new Request('http://edge.test/login', { headers: { accept: 'text/html' } }),
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
    new Request('http://edge.test/login', { headers: { accept: 'application/json' } }),
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

test('a Kratos timeout maps to 504 with its public message, no internal host', async () => {
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

  await withServer(
    recordingParts(),
    async (url) => void (await (await fetch(`${url}/notes?token=SECRET2`)).text()),
    logger,
  );
  const gatewayLine = logger.lines.filter((l) => l.msg === 'request').at(-1)!;
  assert.equal(gatewayLine.path, '/notes');
  assert.equal(gatewayLine.status, 200);
  assert.ok(!JSON.stringify(logger.lines).includes('SECRET2'));
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

test('upgrades go to the gateway hook only on gateway paths', async () => {
  const upgraded: string[] = [];
  const parts = recordingParts({
    gateway: {
      handle: async (_req, res) => void res.end(),
      handleUpgrade: (req, socket) => {
        upgraded.push(req.url!);
        socket.end('HTTP/1.1 101 Switching Protocols\r\n\r\n');
      },
    },
  });
  await withServer(parts, async (url) => {
    const port = new URL(url).port;
    const upgrade = (path: string) =>
      rawRequest(
        port,
        `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
      );
    assert.match(await upgrade('/ws'), /^HTTP\/1\.1 101/);
    assert.match(await upgrade('/api/ory/ws'), /^HTTP\/1\.1 404/);
    assert.match(await upgrade('/login'), /^HTTP\/1\.1 404/);
  });
  assert.deepEqual(upgraded, ['/ws']);
});

test('graceful close waits for an in-flight request, then closes the parts', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const reachedHandler = new Promise<void>((r) => (entered = r));
  let closedParts = false;
  const parts = recordingParts({
    gateway: {
      handle: async (_req, res) => {
        entered();
        await gate;
        res.end('slow done');
      },
    },
    close: async () => {
      closedParts = true;
    },
  });
  const logger = createMemoryLogger();
  const running = await startEdge(createEdge(config, { parts, logger }), {
    host: '127.0.0.1',
    port: 0,
    logger,
  });
  try {
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

function rawRequest(port: number | string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (/^HTTP\/1\.1 101/.test(data)) socket.end();
    });
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

test('the proxy part gets the edge request id (not the client one) and the request body intact', async () => {
  let seen: { id: string | null; body: string; method: string } | undefined;
  const parts = recordingParts({
    // The edge hands its id over in the context instead of copying the Request to rewrite a header.
    proxy: async (request, context) => {
      seen = {
        id: context.requestId,
        body: await request.text(),
        method: request.method,
      };
      return new Response('ok');
    },
  });
  await withServer(parts, async (url) => {
    const res = await fetch(`${url}/api/ory/self-service/login?flow=1`, {
      method: 'POST',
      headers: {
        'x-request-id': 'client-chosen-id',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'identifier=a%40b.c&password=x',
    });
    await res.text();
    assert.equal(seen?.id, res.headers.get('x-request-id'));
    assert.notEqual(seen?.id, 'client-chosen-id');
  });
  assert.equal(seen?.method, 'POST');
  assert.equal(seen?.body, 'identifier=a%40b.c&password=x');
});

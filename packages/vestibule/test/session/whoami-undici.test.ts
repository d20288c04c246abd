// whoami over undici's request (the edge's gateway, issue 15) against a real HTTP server: the same
// answers as through fetch (whoami.test.ts), keep-alive, bounded bodies, and the gateway not using
// the global fetch for a cache miss.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWhoami, SessionRefused } from '../../src/session/whoami.ts';
import { createUndiciWhoami, MAX_WHOAMI_BODY_BYTES } from '../../src/session/whoami-undici.ts';
import { createGateway } from '../../src/gateway/index.ts';
import { KratosUnavailable } from '../../src/lib/errors.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { SECRET, startUpstream } from '../support/gateway-stack.ts';

const session = {
  id: 's1',
  active: true,
  expires_at: new Date(Date.now() + 60_000).toISOString(),
  identity: { id: 'i1', traits: { email: 'a@example.com' } },
};

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let handler: Handler = (_req, res) => void res.end();
let server: Server;
let base: string;
let connections = 0;
const seen: IncomingMessage[] = [];

before(async () => {
  server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function json(status: number, body: unknown): Handler {
  return (_req, res) =>
    void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function withWhoami(
  run: (whoami: ReturnType<typeof createWhoami>) => Promise<void>,
  timeoutMs = 2_000,
  url = `${base}/base`,
): Promise<void> {
  const pool = createUndiciWhoami(url);
  try {
    await run(createWhoami({ kratosPublicURL: url, send: pool.send, timeoutMs }));
  } finally {
    await pool.close();
  }
}

test('undici whoami: sends only the session credential under the base path, returns the session, keeps the connection', async () => {
  handler = json(200, session);
  seen.length = 0;
  const before = connections;
  await withWhoami(async (whoami) => {
    assert.equal((await whoami({ kind: 'cookie', value: 'abc' }))?.identity.id, 'i1');
    assert.equal((await whoami({ kind: 'token', value: 'tok' }))?.id, 's1');
    for (let i = 0; i < 4; i++) await whoami({ kind: 'token', value: `t${i}` });
  });
  assert.equal(seen.length, 6);
  assert.equal(seen[0]!.url, '/base/sessions/whoami');
  assert.equal(seen[0]!.headers.cookie, 'ory_kratos_session=abc');
  assert.equal(seen[0]!.headers['x-session-token'], undefined);
  assert.equal(seen[1]!.headers['x-session-token'], 'tok');
  assert.equal(seen[1]!.headers.cookie, undefined);
  // undici's pool may open a second socket while the first is being released; not one per call.
  assert.ok(
    connections - before <= 2,
    `6 calls on keep-alive connections, not ${connections - before}`,
  );
});

test('undici whoami: 401 is anonymous, 403 is SessionRefused with the id, an inactive session anonymous', async () => {
  await withWhoami(async (whoami) => {
    handler = json(401, { error: { id: 'session_inactive' } });
    assert.equal(await whoami({ kind: 'cookie', value: 'x' }), null);
    handler = json(403, { error: { id: 'session_aal2_required' } });
    await assert.rejects(
      whoami({ kind: 'cookie', value: 'x' }),
      (err: unknown) => err instanceof SessionRefused && err.id === 'session_aal2_required',
    );
    handler = json(200, { ...session, active: false });
    assert.equal(await whoami({ kind: 'cookie', value: 'x' }), null);
  });
});

test('undici whoami: 5xx, non-JSON, non-session and oversized answers are KratosUnavailable', async () => {
  const answers: Handler[] = [
    json(500, { error: {} }),
    (_req, res) => void res.writeHead(200).end('{not json'),
    json(200, { hello: 'world' }),
    // A real session padded past the limit, without a content-length (chunked): only the limit
    // refuses it.
    (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify({ ...session, pad: '' }).slice(0, -2));
      res.end(`${'x'.repeat(MAX_WHOAMI_BODY_BYTES)}"}`);
    },
  ];
  await withWhoami(async (whoami) => {
    for (const answer of answers) {
      handler = answer;
      await assert.rejects(whoami({ kind: 'cookie', value: 'x' }), KratosUnavailable);
    }
    // The pool still answers after all of that.
    handler = json(200, session);
    assert.equal((await whoami({ kind: 'cookie', value: 'x' }))?.id, 's1');
  });
});

test('undici whoami: a redirect is not followed, even to a path that would answer a session', async () => {
  seen.length = 0;
  handler = (req, res) => {
    if (req.url === '/elsewhere') return json(200, session)(req, res);
    res.writeHead(302, { location: `${base}/elsewhere` }).end();
  };
  await withWhoami(async (whoami) => {
    await assert.rejects(whoami({ kind: 'cookie', value: 'x' }), { code: 'KRATOS_UNAVAILABLE' });
  });
  assert.deepEqual(
    seen.map((r) => r.url),
    ['/base/sessions/whoami'],
  );
});

test('undici whoami: a body that stops after the headers ends at the deadline (KRATOS_TIMEOUT)', async () => {
  handler = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"id":"s1",'); // and nothing more
  };
  const keepAlive = setTimeout(() => {}, 5_000); // the deadline's timer is unref'd
  await withWhoami(async (whoami) => {
    await assert.rejects(whoami({ kind: 'cookie', value: 'x' }), { code: 'KRATOS_TIMEOUT' });
  }, 50);
  clearTimeout(keepAlive);
  server.closeAllConnections();
});

test('undici whoami: a call waiting for a socket gives up at its deadline, not when the socket frees (review finding)', async () => {
  const held: ServerResponse[] = [];
  handler = (req, res) => {
    if (req.headers.cookie === 'ory_kratos_session=first') held.push(res);
    else json(200, session)(req, res);
  };
  const pool = createUndiciWhoami(base, { connections: 1 });
  const url = `${base}/sessions/whoami`;
  try {
    const first = pool.send(url, { cookie: 'ory_kratos_session=first' }, 10_000);
    let firstSettled = false;
    void first.then(
      () => (firstSettled = true),
      () => (firstSettled = true),
    );
    // The only socket is busy with `first`: this one queues behind it.
    await assert.rejects(pool.send(url, { cookie: 'ory_kratos_session=second' }, 50), {
      code: 'KRATOS_TIMEOUT',
    });
    assert.equal(
      firstSettled,
      false,
      'the second call ended while the first still held the socket',
    );
    while (held.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    held[0]!.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(session));
    assert.equal((await first).status, 200);
  } finally {
    await pool.close();
  }
});

test('undici whoami: an unreachable Kratos is KRATOS_UNAVAILABLE, one that never answers KRATOS_TIMEOUT', async () => {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await withWhoami(
    async (whoami) => {
      await assert.rejects(whoami({ kind: 'cookie', value: 'x' }), { code: 'KRATOS_UNAVAILABLE' });
    },
    2_000,
    `http://127.0.0.1:${port}`,
  );
  handler = () => {}; // never answers
  const keepAlive = setTimeout(() => {}, 5_000); // the deadline's timer is unref'd
  await withWhoami(async (whoami) => {
    await assert.rejects(whoami({ kind: 'cookie', value: 'x' }), { code: 'KRATOS_TIMEOUT' });
  }, 30);
  clearTimeout(keepAlive);
  server.closeAllConnections();
});

test('undici whoami: refuses a Kratos URL with credentials when made, and a URL on another origin when called', async () => {
  assert.throws(
    () => createUndiciWhoami('http://user:secret@127.0.0.1:4433/'),
    /user name or password/,
  );
  const pool = createUndiciWhoami(base);
  try {
    await assert.rejects(pool.send('http://other.test/sessions/whoami', {}, 100), TypeError);
  } finally {
    await pool.close();
  }
});

test('the gateway asks Kratos on a cache miss without the global fetch (issue 15: its memory)', async (t) => {
  handler = json(200, session);
  const upstream = await startUpstream();
  const gateway = createGateway({
    upstreamURL: upstream.url,
    kratosPublicURL: base,
    headerSecret: SECRET,
    logger: createMemoryLogger(),
    rules: [{ path: '/', mode: 'required' }],
  });
  const edge = createServer((req, res) => void gateway.handle(req, res));
  await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
  const edgeURL = `http://127.0.0.1:${(edge.address() as AddressInfo).port}/`;
  // The test's own calls go out before fetch is replaced: the edge alone runs while it is.
  const realFetch = globalThis.fetch;
  let fetchCalls = 0;
  t.after(() => {
    globalThis.fetch = realFetch;
  });
  try {
    const { request } = await import('undici');
    globalThis.fetch = (...args: Parameters<typeof fetch>) => {
      fetchCalls++;
      return realFetch(...args);
    };
    seen.length = 0;
    const res = await request(edgeURL, { headers: { 'x-session-token': 'tok' } });
    await res.body.text();
    assert.equal(res.statusCode, 200);
    assert.equal(seen.length, 1, 'the miss asked Kratos');
    assert.equal(fetchCalls, 0, 'and not through the global fetch');
  } finally {
    globalThis.fetch = realFetch;
    edge.closeAllConnections();
    await new Promise<void>((resolve) => edge.close(() => resolve()));
    await gateway.close();
    await upstream.close();
  }
});

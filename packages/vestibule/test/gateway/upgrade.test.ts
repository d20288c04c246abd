// WebSocket upgrades pass through on allowed routes with identity headers, and are refused on
// protected routes without a session — at the Node server level (server.on('upgrade')).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { RULES, startGatewayStack, withCookie, type Stack } from '../support/gateway-stack.ts';

let stack: Stack;
before(async () => {
  stack = await startGatewayStack({ rules: RULES });
});
after(() => stack.close());

type Result =
  { upgraded: true; socket: Duplex; head: Buffer } | { upgraded: false; response: IncomingMessage };

function upgrade(path: string, headers: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const req = request(stack.url + path, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'x-user-id': 'SPOOF',
        ...headers,
      },
    });
    req.on('upgrade', (_res, socket, head) => resolve({ upgraded: true, socket, head }));
    req.on('response', (response) => resolve({ upgraded: false, response }));
    req.on('error', reject);
    req.end();
  });
}

function readLine(socket: Duplex, initial: Buffer): Promise<string> {
  return new Promise((resolve) => {
    let data = initial.toString();
    const check = () => {
      const nl = data.indexOf('\n');
      if (nl !== -1) {
        socket.off('data', onData);
        resolve(data.slice(0, nl));
      }
    };
    const onData = (chunk: Buffer) => {
      data += chunk.toString();
      check();
    };
    socket.on('data', onData);
    check();
  });
}

test('an optional route upgrades, bytes flow both ways, spoofed headers are stripped', async () => {
  const result = await upgrade('/ws');
  assert.ok(result.upgraded);
  assert.equal(await readLine(result.socket, result.head), 'hello anonymous');
  result.socket.write('ping\n');
  assert.equal(await readLine(result.socket, Buffer.alloc(0)), 'ping');
  result.socket.destroy();
  const seen = stack.upstream.seen.at(-1)!;
  assert.equal(seen.headers.upgrade, 'websocket');
  assert.ok(seen.headers['x-vestibule-signature']);
  assert.equal(seen.headers['x-user-id'], undefined);
});

test('a required route upgrades with a session and carries the identity', async () => {
  const { token, session } = stack.kratos.addSession();
  const result = await upgrade('/ws-private', withCookie(token));
  assert.ok(result.upgraded);
  assert.equal(await readLine(result.socket, result.head), `hello ${session.identity.id}`);
  result.socket.destroy();
});

test('a required route without a session is refused before reaching the upstream', async () => {
  const before = stack.upstream.seen.length;
  const result = await upgrade('/ws-private', { accept: 'application/json' });
  assert.equal(result.upgraded, false);
  if (!result.upgraded) assert.equal(result.response.statusCode, 401);
  assert.equal(stack.upstream.seen.length, before);
  const unmatched = await upgrade('/nowhere');
  assert.equal(unmatched.upgraded, false);
  if (!unmatched.upgraded) assert.equal(unmatched.response.statusCode, 404);
});

test('upgrade SSRF via a protocol-relative target: //other-host/ws goes to the upstream, never to other-host', async () => {
  const { createServer } = await import('node:http');
  const { PassThrough } = await import('node:stream');
  const { forwardUpgrade } = await import('../../src/upstream/upgrade.ts');
  const seen: Array<{ server: string; url: string }> = [];
  const listen = (name: string) => {
    const server = createServer((req, res) => {
      seen.push({ server: name, url: req.url ?? '' });
      res.writeHead(400, { 'content-length': '0' }).end();
    });
    server.on('upgrade', (req, socket) => {
      seen.push({ server: name, url: req.url ?? '' });
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
    return new Promise<{ port: number; close: () => void }>((resolve) =>
      server.listen(0, '127.0.0.1', () =>
        resolve({
          port: (server.address() as { port: number }).port,
          close: () => server.close(),
        }),
      ),
    );
  };
  const upstream = await listen('upstream');
  const other = await listen('other');
  try {
    const socket = new PassThrough();
    const answered = new Promise<void>((resolve) => socket.once('data', () => resolve()));
    const req = { method: 'GET', headers: { upgrade: 'websocket' } } as unknown as IncomingMessage;
    forwardUpgrade(
      req,
      socket,
      Buffer.alloc(0),
      {
        origin: `http://127.0.0.1:${upstream.port}`,
        path: `//127.0.0.1:${other.port}/ws`,
        headers: [],
      },
      () => {},
    );
    await answered;
    assert.deepEqual(seen, [{ server: 'upstream', url: `//127.0.0.1:${other.port}/ws` }]);
    socket.destroy();
  } finally {
    upstream.close();
    other.close();
  }
});

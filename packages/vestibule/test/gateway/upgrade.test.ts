// WebSocket upgrades pass through on allowed routes with identity headers, and are refused on
// protected routes without a session — at the Node server level (server.on('upgrade')).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { RULES, startStack, withCookie, type Stack } from './harness.ts';

let stack: Stack;
before(async () => {
  stack = await startStack({ rules: RULES });
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

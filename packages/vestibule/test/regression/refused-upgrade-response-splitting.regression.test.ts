// Response splitting on a refused upgrade: the upstream's raw head (chunked, keep-alive) went out over
// a de-chunked body, so a reflected `0\r\n\r\nHTTP/1.1 302 …` read as a second response on the
// client connection. Fixed in 2843bbd; these tests read the raw bytes, one message per connection.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import {
  connect,
  createServer as createTCPServer,
  type AddressInfo,
  type Server as TCPServer,
} from 'node:net';
import { PassThrough } from 'node:stream';
import { rejectUpgrade } from '../../src/upstream/upgrade.ts';
import { startGatewayStack, type Stack } from '../support/gateway-stack.ts';

// The old code left some of these connections open forever: fail, don't hang.
const FAST = { timeout: 5_000 };
/** Says when the client has read a whole response head, for an upstream waiting to misbehave. */
const clientGotHead = new EventEmitter();

const SPLIT = '0\r\n\r\nHTTP/1.1 302 Found\r\nLocation: https://evil.example/\r\n\r\n';
const HANDSHAKE =
  'Host: edge\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/** An application without WebSocket support: Node hands the handshake to its request handler. */
function startApp(): Promise<Server> {
  const app = createServer((req, res) => {
    const url = new URL(req.url!, 'http://app');
    if (url.pathname === '/echo') {
      res.writeHead(200, {
        'content-type': 'text/plain',
        connection: 'keep-alive, x-hop',
        'keep-alive': 'timeout=5',
        'x-hop': 'secret',
        'proxy-agent': 'app',
        'set-cookie': ['a=1', 'b=2'],
      });
      res.write(url.searchParams.get('q') ?? ''); // chunked on the wire
      res.end();
    } else if (url.pathname === '/sized') {
      res.writeHead(403, { 'content-length': '5' }).end('nope!');
    } else if (url.pathname === '/empty') {
      res.writeHead(204).end();
    } else if (url.pathname === '/cached') {
      res.writeHead(304, { etag: '"v1"' }).end();
    } else if (url.pathname === '/short') {
      res.writeHead(200, { 'content-length': '10' });
      // Cut short once the client has the head: the edge must not pass the body off as complete.
      res.write('abc');
      clientGotHead.once('head', () => res.socket?.destroy());
    }
  });
  return new Promise((resolve) => app.listen(0, '127.0.0.1', () => resolve(app)));
}

/** Answers each handshake with exactly the bytes given for its path. */
function startRawUpstream(answers: Record<string, string>): Promise<TCPServer> {
  const server = createTCPServer((socket) => {
    let data = '';
    const onData = (chunk: Buffer) => {
      data += chunk.toString('latin1');
      if (!data.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      const path = data.split(' ')[1]!;
      const answer = answers[path];
      if (answer === undefined) return void socket.destroy();
      if (path.includes('close-delimited')) socket.end(answer);
      else socket.write(answer, () => socket.pipe(socket)); // echo after an upgrade
    };
    socket.on('data', onData);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const RAW_ANSWERS = {
  '/raw/close-delimited':
    'HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n\r\n' + SPLIT + 'until close',
  '/raw/101-without-upgrade': 'HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\n\r\n',
  '/raw/101-with-hops':
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade, X-Hop\r\n' +
    'X-Hop: secret\r\nKeep-Alive: timeout=5\r\nProxy-Agent: raw\r\nContent-Length: 7\r\n' +
    'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\nhello\n',
};

let stack: Stack;
let app: Server;
let raw: TCPServer;
const url = (server: Server | TCPServer) =>
  `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
before(async () => {
  app = await startApp();
  raw = await startRawUpstream(RAW_ANSWERS);
  stack = await startGatewayStack({
    upstreamURL: url(app),
    rules: [
      { path: '/raw/**', mode: 'public', upstream: { url: url(raw) } },
      { path: '/**', mode: 'public' },
    ],
  });
});
after(async () => {
  await stack.close();
  app.closeAllConnections();
  app.close();
  raw.close();
});

interface Exchange {
  bytes: Buffer;
  /** The edge closed cleanly (FIN) rather than resetting. */
  ended: boolean;
  error?: NodeJS.ErrnoException;
}

/** Sends a WebSocket handshake (plus `extra`, e.g. a pipelined request) and reads until close. */
function exchange(
  path: string,
  extra = '',
  onData?: (socket: Buffer) => string,
): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const result: Exchange = { bytes: Buffer.alloc(0), ended: false };
    const socket = connect(Number(new URL(stack.url).port), '127.0.0.1', () =>
      socket.write(`GET ${path} HTTP/1.1\r\n${HANDSHAKE}${extra}`),
    );
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const reply = onData?.(Buffer.concat(chunks));
      if (reply === 'destroy') socket.destroy();
      else if (reply) socket.write(reply);
    });
    socket.on('end', () => (result.ended = true));
    socket.on('error', (err) => (result.error = err));
    socket.on('close', () => resolve({ ...result, bytes: Buffer.concat(chunks) }));
  });
}

interface Parsed {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

/** One response, strictly: a status line, field lines, an empty line, then everything else. */
function parseResponse(bytes: Buffer): Parsed {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  assert.notEqual(end, -1, `no complete header block in ${JSON.stringify(text)}`);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const match = /^HTTP\/1\.1 (\d{3}) [^\r\n]*$/.exec(statusLine!);
  assert.ok(match, `bad status line ${JSON.stringify(statusLine)}`);
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    assert.ok(colon > 0 && !/[\r\n]/.test(line), `bad field line ${JSON.stringify(line)}`);
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  return { status: Number(match[1]), headers, body: text.slice(end + 4) };
}

const values = (parsed: Parsed, name: string) =>
  parsed.headers.filter(([n]) => n === name).map(([, v]) => v);

function assertClosedFraming(parsed: Parsed): void {
  assert.deepEqual(values(parsed, 'transfer-encoding'), []);
  assert.deepEqual(values(parsed, 'connection'), ['close']);
  for (const hop of ['keep-alive', 'x-hop', 'proxy-agent', 'upgrade'])
    assert.deepEqual(values(parsed, hop), [], `${hop} relayed`);
}

test(
  'refused upgrade response splitting: a reflected 0-chunk and status line stay body bytes of the one close-delimited response',
  FAST,
  async () => {
    const pipelined = 'GET /echo?q=second HTTP/1.1\r\nHost: edge\r\n\r\n';
    const result = await exchange(`/echo?q=${encodeURIComponent(SPLIT)}`, pipelined);
    const parsed = parseResponse(result.bytes);
    assert.equal(parsed.status, 200);
    assertClosedFraming(parsed);
    assert.deepEqual(values(parsed, 'content-length'), [], 'no length was given: close-delimited');
    assert.deepEqual(values(parsed, 'set-cookie'), ['a=1', 'b=2']);
    assert.deepEqual(values(parsed, 'content-type'), ['text/plain']);
    // Exactly the reflected bytes, then the close: nothing answers the pipelined request.
    assert.equal(parsed.body, SPLIT);
    assert.ok(result.ended && !result.error, 'the edge closes cleanly after the body');
  },
);

test(
  'refused upgrade with a Content-Length: relayed with that exact length, then closed',
  FAST,
  async () => {
    const result = await exchange('/sized');
    const parsed = parseResponse(result.bytes);
    assert.equal(parsed.status, 403);
    assertClosedFraming(parsed);
    assert.deepEqual(values(parsed, 'content-length'), ['5']);
    assert.equal(parsed.body, 'nope!');
    assert.ok(result.ended && !result.error);
  },
);

test('refused upgrade with 204 or 304: no body, no length, then closed', FAST, async () => {
  for (const [path, status] of [
    ['/empty', 204],
    ['/cached', 304],
  ] as const) {
    const result = await exchange(path);
    const parsed = parseResponse(result.bytes);
    assert.equal(parsed.status, status);
    assertClosedFraming(parsed);
    assert.deepEqual(values(parsed, 'content-length'), []);
    assert.equal(parsed.body, '');
    assert.ok(result.ended && !result.error);
    if (status === 304) assert.deepEqual(values(parsed, 'etag'), ['"v1"']);
  }
});

test(
  'refused upgrade whose upstream body is cut short: never passed off as complete',
  FAST,
  async () => {
    const result = await exchange('/short', '', (bytes) => {
      if (bytes.includes('\r\n\r\n')) clientGotHead.emit('head');
      return '';
    });
    const parsed = parseResponse(result.bytes);
    assert.deepEqual(values(parsed, 'content-length'), ['10']);
    assert.ok(parsed.body.length < 10);
    assert.equal(result.error?.code, 'ECONNRESET', 'the edge resets the connection');
  },
);

test(
  'refused upgrade from a close-delimited upstream: body intact, one response, then closed',
  FAST,
  async () => {
    const result = await exchange('/raw/close-delimited');
    const parsed = parseResponse(result.bytes);
    assert.equal(parsed.status, 400);
    assertClosedFraming(parsed);
    assert.deepEqual(values(parsed, 'content-length'), []);
    assert.equal(parsed.body, SPLIT + 'until close');
    assert.ok(result.ended && !result.error);
  },
);

test(
  'an upstream 101 without Upgrade is not relayed as a switch: 502, then closed',
  FAST,
  async () => {
    const result = await exchange('/raw/101-without-upgrade');
    const parsed = parseResponse(result.bytes);
    assert.equal(parsed.status, 502);
    assert.deepEqual(values(parsed, 'connection'), ['close']);
    assert.equal(parsed.body, '');
  },
);

test(
  'a 101 carries one Connection and one Upgrade, no hop-by-hop or length fields, and bytes flow',
  FAST,
  async () => {
    let sentPing = false;
    const result = await exchange('/raw/101-with-hops', '', (bytes) => {
      const text = bytes.toString();
      if (text.endsWith('ping\n')) return 'destroy';
      if (sentPing || !text.endsWith('hello\n')) return '';
      sentPing = true;
      return 'ping\n';
    });
    const parsed = parseResponse(result.bytes);
    assert.equal(parsed.status, 101);
    assert.deepEqual(values(parsed, 'connection'), ['Upgrade']);
    assert.deepEqual(values(parsed, 'upgrade'), ['websocket']);
    for (const dropped of ['x-hop', 'keep-alive', 'proxy-agent', 'content-length'])
      assert.deepEqual(values(parsed, dropped), [], `${dropped} relayed`);
    assert.deepEqual(values(parsed, 'sec-websocket-accept'), ['s3pPLMBiTxaQ9kYGzzhZRbK+xOo=']);
    assert.equal(parsed.body, 'hello\nping\n');
  },
);

test('rejectUpgrade drops header values that would inject a CR/LF', FAST, async () => {
  const socket = new PassThrough();
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => socket.on('end', resolve));
  rejectUpgrade(socket, {
    status: 302,
    headers: {
      location: '/login?return_to=%2Fws',
      'x-bad': 'a\r\nSet-Cookie: injected=1',
      'bad name': 'x',
    },
    body: '',
  });
  await ended;
  const parsed = parseResponse(Buffer.concat(chunks));
  assert.equal(parsed.status, 302);
  assert.deepEqual(values(parsed, 'location'), ['/login?return_to=%2Fws']);
  assert.deepEqual(values(parsed, 'set-cookie'), []);
  assert.deepEqual(values(parsed, 'x-bad'), []);
  assert.deepEqual(values(parsed, 'connection'), ['close']);
  assert.deepEqual(values(parsed, 'content-length'), ['0']);
});

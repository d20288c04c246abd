// Test harness: an echo upstream that records what reached it, the fake Kratos, and a gateway
// listening on a real socket.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { createGateway, type Gateway, type GatewayOptions } from '../../src/gateway/index.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { startFakeKratos, type FakeKratos } from './fake-kratos.ts';

export const SECRET = 'gateway-test-secret-0123456789abcdef';

/** Emits 'close' whenever an /endless upstream response is closed. */
export const upstreamClosed = new EventEmitter();

export interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  rawHeaders: string[];
  body: string;
}

export interface Upstream {
  url: string;
  seen: Seen[];
  server: Server;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const record = {
      method: req.method!,
      url: req.url!,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks).toString(),
    };
    seen.push(record);
    if (req.url === '/endless') {
      // Streams until the gateway hangs up: proves client disconnects reach the upstream.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('tick;'), 5);
      res.on('close', () => {
        clearInterval(timer);
        upstreamClosed.emit('close');
      });
      return;
    }
    if (req.url === '/stream') {
      res.writeHead(200, {
        'content-type': 'text/plain',
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': '1',
      });
      res.write('chunk1;', () => res.end('chunk2'));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
    res.end(JSON.stringify({ url: req.url, user: req.headers['x-user-id'] ?? null }));
  });
  server.on('upgrade', (req, socket) => {
    seen.push({
      method: req.method!,
      url: req.url!,
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: '',
    });
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    );
    socket.write(`hello ${req.headers['x-user-id'] ?? 'anonymous'}\n`);
    socket.pipe(socket); // echo
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    seen,
    server,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Stack {
  kratos: FakeKratos;
  upstream: Upstream;
  gateway: Gateway;
  url: string;
  logs: ReturnType<typeof createMemoryLogger>['lines'];
  close(): Promise<void>;
}

export async function startGatewayStack(options: Partial<GatewayOptions> = {}): Promise<Stack> {
  const kratos = await startFakeKratos();
  const upstream = await startUpstream();
  const logger = createMemoryLogger();
  const gateway = createGateway({
    upstreamURL: upstream.url,
    kratosPublicURL: kratos.url,
    headerSecret: SECRET,
    whoamiTimeoutMs: 3_000,
    logger,
    rules: [],
    ...options,
  });
  const server = createServer((req, res) => void gateway.handle(req, res));
  server.on('upgrade', gateway.handleUpgrade);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    kratos,
    upstream,
    gateway,
    url,
    logs: logger.lines,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
      await upstream.close();
      await kratos.close();
    },
  };
}

export const RULES = [
  { id: 'home', path: '/', methods: ['GET', 'HEAD'], mode: 'optional' as const },
  { id: 'whoami', path: '/api/whoami', mode: 'optional' as const },
  { id: 'static', path: '/static/**', mode: 'public' as const },
  { id: 'account', path: '/account', mode: 'required' as const },
  { id: 'api', regex: '/api/notes(/[0-9]+)?', mode: 'required' as const },
  { id: 'admin', path: '/admin/**', mode: 'role' as const, roles: ['admin'] },
  { id: 'ws', path: '/ws', mode: 'optional' as const },
  { id: 'ws-private', path: '/ws-private', mode: 'required' as const },
  { id: 'stream', path: '/stream', mode: 'public' as const },
  { id: 'endless', path: '/endless', mode: 'public' as const },
  { id: 'upload', path: '/upload', methods: ['POST'], mode: 'required' as const },
];

export const browser = { accept: 'text/html,application/xhtml+xml' };
export const json = { accept: 'application/json' };
export const withCookie = (token: string, extra: Record<string, string> = {}) => ({
  cookie: `ory_kratos_session=${token}`,
  ...extra,
});

/**
 * Writes a GET with `lines` as extra header lines on a raw socket (no client library normalising
 * names or refusing odd ones) and resolves with every byte the gateway answered.
 */
export function rawGatewayRequest(
  stack: Pick<Stack, 'url'>,
  path: string,
  lines: string[],
  cookie?: string,
): Promise<string> {
  const url = new URL(stack.url);
  const head = [
    `GET ${path} HTTP/1.1`,
    `Host: ${url.host}`,
    ...lines,
    ...(cookie ? [`Cookie: ory_kratos_session=${cookie}`] : []),
    'Connection: close',
    '',
    '',
  ].join('\r\n');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(head));
    let data = '';
    socket.on('data', (chunk) => (data += String(chunk)));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

/** Sends `lines` (values marked SPOOF) on a public route; none may arrive. Returns what arrived. */
export async function sendSpoofedHeaders(stack: Stack, lines: string[]): Promise<Seen> {
  const before = stack.upstream.seen.length;
  const response = await rawGatewayRequest(stack, '/static/x', lines);
  assert.match(response, /^HTTP\/1\.1 200/);
  const seen = stack.upstream.seen[before]!;
  assert.deepEqual(
    seen.rawHeaders.filter((v) => v.includes('SPOOF')),
    [],
  );
  return seen;
}

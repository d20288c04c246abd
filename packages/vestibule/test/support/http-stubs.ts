// Test plumbing for the proxy: a recording stub Kratos on a real socket, and the proxy itself served
// over a real socket (through @hono/node-server, the way the edge mounts Web handlers).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';

export interface SeenRequest {
  method: string;
  /** The request target exactly as it arrived on the wire. */
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type StubHandler = (
  req: SeenRequest,
  res: ServerResponse,
  baseURL: string,
) => void | Promise<void>;

export interface Running {
  url: string;
  close(): Promise<void>;
}

export interface Stub extends Running {
  seen: SeenRequest[];
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

async function listenOnFreePort(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Reads a request to its end into what a stub records of it. */
export function readRequest(req: IncomingMessage): Promise<SeenRequest> {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  return new Promise((resolve) =>
    req.on('end', () =>
      resolve({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      }),
    ),
  );
}

/** A stub upstream that records every request and answers with `handler`. */
export async function startStub(handler: StubHandler): Promise<Stub> {
  const seen: SeenRequest[] = [];
  let baseURL = '';
  const server = createServer((req, res) => {
    void readRequest(req).then((entry) => {
      seen.push(entry);
      Promise.resolve(handler(entry, res, baseURL)).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  });
  baseURL = await listenOnFreePort(server);
  return { url: baseURL, seen, close: () => closeServer(server) };
}

type WebHandler = (request: Request, info?: { clientAddress?: string }) => Promise<Response>;

/** Serves a Web handler on a real socket, passing the socket peer as `clientAddress`. */
export async function serveHandler(handler: WebHandler): Promise<Running> {
  const server = createAdaptorServer({
    fetch: (request: Request, env: unknown) =>
      handler(request, {
        clientAddress: (env as { incoming: IncomingMessage }).incoming.socket.remoteAddress,
      }),
  }) as Server;
  const url = await listenOnFreePort(server);
  return { url, close: () => closeServer(server) };
}

/**
 * Writes a raw HTTP/1.1 GET on a socket (no client-side URL normalisation or validation at all) and
 * returns the status code, or 0 when the server closed the connection without answering.
 */
export async function rawGet(baseURL: string, target: string): Promise<number> {
  const { connect } = await import('node:net');
  const url = new URL(baseURL);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`);
    });
    let head = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (head += chunk));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

export function sendJSON(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string | string[]> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

// The edge on a Node socket: the fetch handler through @hono/node-server (no framework, just the
// Node ⇄ Request/Response conversion), WebSocket upgrades handed to the gateway's hook, and a graceful
// shutdown that stops accepting, lets in-flight requests finish, then closes what is left.
import { createAdaptorServer, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../lib/logger.ts';
import { createLogger } from '../lib/logger.ts';
import type { Edge } from './create-edge.ts';

export type UpgradeHook = (request: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface StartEdgeOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  /** WebSocket upgrades; without a hook they are refused with 404. */
  upgrade?: UpgradeHook;
  shutdownTimeoutMs?: number;
  logger?: Logger;
}

export interface RunningEdge {
  url: string;
  port: number;
  server: Server;
  /** Graceful: stop accepting, wait for in-flight requests (bounded), close the parts. */
  close(): Promise<void>;
}

export async function startEdge(edge: Edge, options: StartEdgeOptions): Promise<RunningEdge> {
  const log = options.logger ?? createLogger();
  const server = createAdaptorServer({
    fetch: (request: Request, env: HttpBindings | Http2Bindings) =>
      edge.fetch(request, { clientAddress: env.incoming.socket.remoteAddress }),
    hostname: options.host,
  }) as Server;
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug('upgrade socket error', { error: err }));
    if (options.upgrade) {
      options.upgrade(request, socket, head);
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('clientError', (err, socket) => {
    log.debug('client error', { error: err });
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const hostForURL = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForURL}:${port}`,
    port,
    server,
    close: () => (closing ??= shutdown(server, edge, options.shutdownTimeoutMs ?? 10_000)),
  };
}

async function shutdown(server: Server, edge: Edge, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), timeoutMs);
  timer.unref();
  await closed;
  clearTimeout(timer);
  await edge.close();
}

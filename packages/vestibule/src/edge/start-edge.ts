// The edge on a Node socket: the router's listener, WebSocket upgrades through the gateway's access
// rules, and a graceful shutdown that stops accepting, lets in-flight requests finish (bounded), then
// closes what is left and the parts' own connection pools.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EdgeConfig } from '../config/index.ts';
import type { Logger } from '../lib/logger.ts';
import { createLogger } from '../lib/logger.ts';
import { createEdge, type Edge } from './create-edge.ts';
import { buildEdgeParts, type PartsOptions } from './parts.ts';
import { METRICS_PATH, type MetricsEndpoint } from '../metrics/endpoint.ts';

export interface StartEdgeOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  shutdownTimeoutMs?: number;
  logger?: Logger;
}

export interface RunningEdge {
  url: string;
  port: number;
  server: Server;
  /** The separate `/metrics` listener's URL (`metrics.port` set), else undefined. */
  metricsURL?: string;
  /** Graceful: stop accepting, wait for in-flight requests (bounded), close the parts. */
  close(): Promise<void>;
}

export async function startEdge(edge: Edge, options: StartEdgeOptions): Promise<RunningEdge> {
  const log = options.logger ?? createLogger();
  const server = createServer(edge.listener);
  server.on('upgrade', (req, socket, head) => {
    socket.on('error', (err) => log.debug('upgrade socket error', { error: err }));
    edge.upgrade(req, socket, head);
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

export interface LaunchEdgeOptions
  extends Omit<StartEdgeOptions, 'logger'>, Omit<PartsOptions, 'metrics'> {}

/**
 * The whole edge from its config: parts, router, socket. What `vestibule serve`, `vestibule up` and
 * the wiring tests run. A socket that cannot listen (port taken) closes the parts it had opened
 * (database pools, upstream connections) before the error surfaces.
 */
export async function launchEdge(
  config: Readonly<EdgeConfig>,
  options: LaunchEdgeOptions,
): Promise<RunningEdge> {
  const { logger, now, securityNotifier, captchaVerifier, oauth2Starting, ...socket } = options;
  const { port: metricsPort, host: metricsHost, bearer_token: bearerToken } = config.metrics;
  // prom-client is imported only when metrics are configured (issue 15: ~11 MB of RSS otherwise).
  const metricsModule =
    metricsPort !== undefined || bearerToken !== undefined
      ? await import('../metrics/index.ts')
      : undefined;
  const metrics = metricsModule?.createEdgeMetrics();
  const parts = await buildEdgeParts(config, {
    logger,
    ...(now ? { now } : {}),
    ...(securityNotifier ? { securityNotifier } : {}),
    ...(captchaVerifier ? { captchaVerifier } : {}),
    ...(oauth2Starting ? { oauth2Starting } : {}),
    ...(metrics ? { metrics } : {}),
  });
  const endpoint =
    metricsModule && metrics
      ? metricsModule.createMetricsEndpoint(
          metrics,
          bearerToken === undefined ? {} : { bearerToken },
        )
      : undefined;
  const onEdgePort = metricsPort === undefined ? endpoint : undefined;
  const edge = createEdge(config, {
    parts,
    logger,
    ...(metrics ? { metrics } : {}),
    ...(onEdgePort ? { metricsEndpoint: onEdgePort } : {}),
  });
  try {
    const running = await startEdge(edge, { ...socket, logger });
    if (endpoint && metricsPort !== undefined) {
      const metricsServer = await listenMetrics(
        endpoint,
        metricsHost ?? socket.host,
        metricsPort,
      ).catch(async (err: unknown) => {
        await running.close();
        throw err;
      });
      const { port } = metricsServer.address() as AddressInfo;
      const host = metricsHost ?? socket.host;
      const server = metricsServer;
      return {
        ...running,
        metricsURL: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
        close: async () => {
          await Promise.all([
            running.close(),
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
          ]);
        },
      };
    }
    return running;
  } catch (err) {
    await edge.close().catch(() => {});
    throw err;
  }
}

/** The separate metrics listener: `/metrics` only, everything else 404. */
async function listenMetrics(
  endpoint: MetricsEndpoint,
  host: string,
  port: number,
): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url?.split('?')[0] === METRICS_PATH)
      return void endpoint(req, res).catch(() => res.destroy());
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}

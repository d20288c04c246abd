// Node listener for a Web fetch handler. @hono/node-server converts node:http to Request/Response
// without pulling a framework into the core (it only needs a `fetch` function).
import { createAdaptorServer } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';

export interface Listening {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(
  fetch: (request: Request) => Promise<Response> | Response,
  options: { host: string; port: number },
): Promise<Listening> {
  const server = createAdaptorServer({ fetch, hostname: options.host }) as Server;
  // Kratos (Go's http.Server) keeps idle keep-alive connections far longer than Node's 5 s default.
  // A client that pools connections (the edge, an SDK) and reuses one the moment the server closes
  // it meets ECONNRESET: with Node's default that happened whenever a client paused ~5 s.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostForURL = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostForURL}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

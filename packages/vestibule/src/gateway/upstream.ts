// Streaming HTTP proxying to the upstream app over undici connection pools (keep-alive, one pool
// per upstream origin). `pool.stream` writes the upstream body straight into the Node response:
// no intermediate buffering, back-pressure handled by undici. Transport failures map to one
// gateway error each (the @fastify/reply-from table): refused/reset → 502, timeouts → 504.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Pool } from 'undici';
import { denyDecision, wantsHTML, type Decision } from '../app/responses.ts';
import { nodeHeaderReader } from '../session/credential.ts';
import { filterResponseHeaders } from './headers.ts';

export interface UpstreamPoolOptions {
  /** Max sockets per upstream origin. Default 128. */
  connections?: number;
  keepAliveTimeoutMs?: number;
  /** Time to wait for the upstream's response headers. Default 30 s. */
  headersTimeoutMs?: number;
  /** Max idle time between body chunks. Default 30 s. */
  bodyTimeoutMs?: number;
}

export interface Upstreams {
  pool(origin: string): Pool;
  close(): Promise<void>;
}

export function createUpstreams(options: UpstreamPoolOptions = {}): Upstreams {
  const pools = new Map<string, Pool>();
  return {
    pool(origin) {
      let pool = pools.get(origin);
      if (!pool) {
        pool = new Pool(origin, {
          connections: options.connections ?? 128,
          keepAliveTimeout: options.keepAliveTimeoutMs ?? 4_000,
          headersTimeout: options.headersTimeoutMs ?? 30_000,
          bodyTimeout: options.bodyTimeoutMs ?? 30_000,
        });
        pools.set(origin, pool);
      }
      return pool;
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.close()));
      pools.clear();
    },
  };
}

export interface ForwardOptions {
  pool: Pool;
  path: string;
  headers: string[];
  requestId: string;
  onError(err: unknown, requestId: string): void;
}

/**
 * Dispatches the request and returns at once; the outcome arrives through undici's callback. The
 * callback form, not the promise one: no promise and no extra microtask per proxied request.
 */
export function forwardHTTP(
  req: IncomingMessage,
  res: ServerResponse,
  options: ForwardOptions,
): void {
  // No AbortController per request: when the client goes away, `res` is destroyed and undici's
  // stream handler aborts the upstream request itself (it watches the writable it was given).
  options.pool.stream(
    {
      path: options.path,
      method: req.method as 'GET',
      headers: options.headers,
      body: hasBody(req) ? req : null,
      opaque: res,
    },
    writeResponseHead,
    (err) => {
      if (err) upstreamFailed(err, req, res, options);
    },
  );
}

function upstreamFailed(
  err: Error,
  req: IncomingMessage,
  res: ServerResponse,
  options: ForwardOptions,
): void {
  if (res.destroyed || req.socket.destroyed) return; // the client went away; nothing to answer
  options.onError(err, options.requestId);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const html = wantsHTML(nodeHeaderReader(req.headers));
  writeDecision(res, upstreamFailure(err, options.requestId, html));
}

/** undici's stream factory, shared by every request: the response travels as `opaque`. */
function writeResponseHead(data: {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  opaque: unknown;
}): ServerResponse {
  const res = data.opaque as ServerResponse;
  res.writeHead(data.statusCode, filterResponseHeaders(data.headers));
  return res;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export function upstreamFailure(err: unknown, requestId: string, html: boolean): Decision {
  const code = (err as { code?: string }).code ?? '';
  const timeout =
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'ETIMEDOUT';
  return denyDecision({
    status: timeout ? 504 : 502,
    code: timeout ? 'upstream_timeout' : 'upstream_unavailable',
    message: timeout
      ? 'The application took too long to answer.'
      : 'The application is not reachable right now.',
    requestId,
    html,
  });
}

export function writeDecision(res: ServerResponse, decision: Decision): void {
  res.writeHead(decision.status, decision.headers);
  res.end(decision.body);
}

// The edge as one Web-standard fetch handler: `/health`, then the same-origin Kratos proxy under the
// prefix, then the self-service pages, then the gateway in front of the upstream app. Every response
// carries `x-request-id`; every failure becomes a client-safe error with that id (details → the log).
import type { EdgeConfig } from '../config/index.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { newRequestId, requestIdFrom } from '../lib/request-id.ts';
import { errorResponse, toEdgeError } from './error-response.ts';
import { healthResponse } from './health.ts';
import type { EdgeParts, EdgeRequestContext } from './types.ts';

export interface EdgeOptions {
  parts: EdgeParts;
  logger?: Logger;
}

export interface Edge {
  fetch(request: Request, info?: { clientAddress?: string }): Promise<Response>;
  close(): Promise<void>;
}

export function createEdge(config: Readonly<EdgeConfig>, options: EdgeOptions): Edge {
  const log = options.logger ?? createLogger();
  const { parts } = options;
  const prefix = config.proxy.prefix;
  const underPrefix = (path: string) => path === prefix || path.startsWith(prefix + '/');

  async function route(request: Request, context: EdgeRequestContext): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/health' || pathname === '/health/ready') {
      return healthResponse(pathname, parts.ready);
    }
    if (underPrefix(pathname)) return parts.proxy(request, context);
    if (parts.pages.matches(pathname)) return parts.pages.handle(request, context);
    for (const mount of parts.mounts ?? []) {
      const answer = await mount(request, context);
      if (answer) return answer;
    }
    return parts.gateway(request, context);
  }

  async function fetch(request: Request, info: { clientAddress?: string } = {}): Promise<Response> {
    const started = performance.now();
    // A client-chosen id could be used to forge log correlation; accept it only from a trusted proxy.
    const requestId = config.server.trust_proxy ? requestIdFrom(request.headers) : newRequestId();
    const context: EdgeRequestContext = {
      requestId,
      clientAddress: info.clientAddress,
      log: log.child({ request_id: requestId }),
    };
    let response: Response;
    try {
      response = await route(request, context);
    } catch (err) {
      const details = toEdgeError(err, requestId);
      context.log.error('request failed', { error: err, cause: (err as Error)?.cause });
      response = errorResponse(request, details);
    }
    response = withRequestId(response, requestId);
    // The query string can carry flow ids and logout tokens: log the path only.
    context.log.info('request', {
      method: request.method,
      path: new URL(request.url).pathname,
      status: response.status,
      duration_ms: Math.round((performance.now() - started) * 10) / 10,
    });
    return response;
  }

  return {
    fetch,
    close: async () => {
      await parts.close?.();
    },
  };
}

function withRequestId(response: Response, requestId: string): Response {
  try {
    response.headers.set('x-request-id', requestId);
    return response;
  } catch {
    // Responses from fetch() have immutable headers: copy once.
    const copy = new Response(response.body, response);
    copy.headers.set('x-request-id', requestId);
    return copy;
  }
}

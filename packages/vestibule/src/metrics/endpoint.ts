// `GET /metrics`: the Prometheus text exposition. On the edge's own port it always requires
// `Authorization: Bearer <metrics.bearer_token>` (the edge faces the internet); on a separate
// listener (`metrics.port`) it requires the token when one is configured. The token is compared as
// SHA-256 digests with timingSafeEqual: constant time, and no length leak.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorBody } from '../lib/error-body.ts';
import type { ErrorCode } from '../lib/errors.ts';
import type { EdgeMetrics } from './edge-metrics.ts';

export const METRICS_PATH = '/metrics';

export interface MetricsEndpointOptions {
  /** Required on every scrape when set. */
  bearerToken?: string;
  /** The x-request-id of the answer. */
  requestId?: (req: IncomingMessage) => string;
}

export type MetricsEndpoint = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

export function createMetricsEndpoint(
  metrics: EdgeMetrics,
  options: MetricsEndpointOptions = {},
): MetricsEndpoint {
  const expected = options.bearerToken === undefined ? undefined : digest(options.bearerToken);
  return async (req, res) => {
    const requestId = options.requestId?.(req) ?? '';
    const refuse = (status: number, code: ErrorCode, message: string, extra = {}) => {
      const { headers, body } = errorBody({ status, code, message, requestId }, false);
      res.writeHead(status, { ...headers, ...extra });
      res.end(body);
    };
    req.resume();
    if (expected) {
      const given = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      if (!timingSafeEqual(digest(given), expected)) {
        return refuse(401, 'UNAUTHENTICATED', 'Unauthorized.', {
          'www-authenticate': 'Bearer realm="metrics"',
        });
      }
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return refuse(405, 'METHOD_NOT_ALLOWED', 'Use GET.', { allow: 'GET, HEAD' });
    }
    const text = await metrics.render();
    res.writeHead(200, {
      'content-type': metrics.registry.contentType,
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : text);
  };
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

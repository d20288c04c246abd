// The edge's router: `/health`, then the same-origin Kratos proxy under the prefix, then the
// self-service pages and mounts (all Web-standard handlers), then the gateway in front of the
// upstream app (a Node handler, so the hot path streams without Web-stream conversion). Every
// response carries `x-request-id`; every failure becomes a client-safe error with that id.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { getRequestListener, type Http2Bindings, type HttpBindings } from '@hono/node-server';
import type { EdgeConfig } from '../config/index.ts';
import { accessLineWriter, createLogger, type AccessLine, type Logger } from '../lib/logger.ts';
import { newRequestId, requestIdFrom } from '../lib/request-id.ts';
import { edgeErrorResponse, notFound, toEdgeError } from './error-response.ts';
import { healthResponse } from './health.ts';
import type { EdgeFields, EdgeParts, EdgeRequestContext, EdgeRoute } from './types.ts';
import type { EdgeMetrics } from '../metrics/edge-metrics.ts';
import { METRICS_PATH, type MetricsEndpoint } from '../metrics/endpoint.ts';

export interface EdgeOptions {
  parts: EdgeParts;
  logger?: Logger;
  /** Counts every request by route, rule, decision and status. */
  metrics?: EdgeMetrics;
  /** Serves `/metrics` on the edge's own port (behind its bearer token). */
  metricsEndpoint?: MetricsEndpoint;
}

export interface Edge {
  /** Which part a (normalised) pathname goes to. */
  routeOf(pathname: string): EdgeRoute;
  /** The Web-standard parts in-process: health, proxy, pages, mounts. Gateway paths → 404 here. */
  fetch(request: Request, info?: { clientAddress?: string }): Promise<Response>;
  /** The Node request listener for everything (what `startEdge` serves). */
  listener(req: IncomingMessage, res: ServerResponse): void;
  /** WebSocket upgrades: only gateway routes, through the gateway's access rules. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): Promise<void>;
}

export function createEdge(config: Readonly<EdgeConfig>, options: EdgeOptions): Edge {
  const log = options.logger ?? createLogger();
  const { parts, metrics, metricsEndpoint } = options;
  const prefix = config.proxy.prefix;
  const mounts = parts.mounts ?? [];
  const hsts = hstsValue(config.server);
  const upgradeFields = hsts ? ([['strict-transport-security', hsts]] as const) : [];

  const routeOf = (pathname: string): EdgeRoute => {
    if (pathname === '/health' || pathname === '/health/ready') return 'health';
    if (metricsEndpoint && pathname === METRICS_PATH) return 'metrics';
    if (pathname === prefix || pathname.startsWith(prefix + '/')) return 'proxy';
    if (parts.pages.matches(pathname)) return 'pages';
    if (mounts.some((m) => m.matches(pathname))) return 'mount';
    return 'gateway';
  };

  // A client-chosen id could be used to forge log correlation; accept it only from a trusted proxy.
  const requestIdOf = (headers: { get(name: string): string | null }) =>
    config.server.trust_proxy ? requestIdFrom(headers) : newRequestId();

  const writeAccessLine = accessLineWriter(log);
  const contextFor = (requestId: string, clientAddress: string | undefined): EdgeRequestContext =>
    new RequestContext(requestId, clientAddress, log, writeAccessLine);

  async function webRoute(
    request: Request,
    context: EdgeRequestContext,
    pathname: string,
  ): Promise<Response> {
    switch (routeOf(pathname)) {
      case 'health':
        return healthResponse(pathname, parts.ready);
      case 'proxy':
        // The proxy takes the edge's id from the context (and sends it on to Kratos).
        return parts.proxy(request, context);
      case 'pages':
        return parts.pages.handle(request, context);
      case 'mount':
        return mounts.find((m) => m.matches(pathname))!.handle(request, context);
      case 'gateway':
      case 'metrics':
        return notFound(request, context.requestId);
    }
  }

  async function fetch(request: Request, info: { clientAddress?: string } = {}): Promise<Response> {
    const started = performance.now();
    const context = contextFor(requestIdOf(request.headers), info.clientAddress);
    const { pathname } = new URL(request.url);
    let response: Response;
    try {
      response = await webRoute(request, context, pathname);
    } catch (err) {
      context.log.error('request failed', { error: err, cause: (err as Error)?.cause });
      response = edgeErrorResponse(request, toEdgeError(err, context.requestId));
    }
    response = withEdgeHeaders(response, context.requestId, hsts);
    accessLog(context, request.method, pathname, response.status, started);
    metrics?.request(routeOf(pathname), '', '', response.status);
    return response;
  }

  const webListener = getRequestListener((request: Request, env: HttpBindings | Http2Bindings) =>
    fetch(request, { clientAddress: env.incoming.socket.remoteAddress }),
  );

  function listener(req: IncomingMessage, res: ServerResponse): void {
    const pathname = pathnameOf(req.url);
    const route = pathname === undefined ? undefined : routeOf(pathname);
    // Set before any part but the gateway answers: Node merges it into whatever writeHead sends.
    if (hsts && route !== 'gateway') res.setHeader('strict-transport-security', hsts);
    if (pathname === undefined) {
      res
        .writeHead(400, { 'content-type': 'text/plain', connection: 'close' })
        .end('Bad request\n');
      return;
    }
    if (route === 'metrics') return serveMetrics(req, res, pathname);
    if (route !== 'gateway') {
      void webListener(req, res);
      return;
    }
    const started = performance.now();
    const requestId = config.server.trust_proxy
      ? requestIdFrom({ get: (n) => headerValue(req, n) })
      : newRequestId();
    setRequestId(req, requestId);
    // Handed to the gateway rather than set with setHeader(): a header set beforehand sends Node's
    // writeHead(status, upstreamHeaders) down its slow path (setHeader() per upstream header, then
    // the merged map), measurable on every forwarded response. The gateway puts them first in the
    // head it writes (the upstream's own header of the same name wins, as with setHeader()).
    const fields: EdgeFields = hsts
      ? [
          ['strict-transport-security', hsts],
          ['x-request-id', requestId],
        ]
      : [['x-request-id', requestId]];
    if (!parts.gateway.writesResponseFields) {
      for (const [name, value] of fields) res.setHeader(name, value);
    }
    const context = contextFor(requestId, req.socket.remoteAddress);
    const note = { rule: 'none', decision: 'deny' };
    res.once('finish', () => {
      accessLog(context, req.method ?? 'GET', pathname, res.statusCode, started);
      metrics?.request('gateway', note.rule, note.decision, res.statusCode);
    });
    void parts.gateway.handle(
      req,
      res,
      note,
      parts.gateway.writesResponseFields ? fields : undefined,
    );
  }

  function serveMetrics(req: IncomingMessage, res: ServerResponse, pathname: string): void {
    const started = performance.now();
    const requestId = newRequestId();
    res.setHeader('x-request-id', requestId);
    const context = contextFor(requestId, req.socket.remoteAddress);
    res.once('finish', () => {
      accessLog(context, req.method ?? 'GET', pathname, res.statusCode, started);
      metrics?.request('metrics', '', '', res.statusCode);
    });
    metricsEndpoint!(req, res).catch((err: unknown) => {
      context.log.error('metrics failed', { err });
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const pathname = pathnameOf(req.url);
    if (pathname === undefined || routeOf(pathname) !== 'gateway' || !parts.gateway.handleUpgrade) {
      const extra = hsts ? `Strict-Transport-Security: ${hsts}\r\n` : '';
      socket.end(
        `HTTP/1.1 404 Not Found\r\n${extra}Connection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      return;
    }
    setRequestId(req, requestIdOf({ get: (n) => headerValue(req, n) }));
    parts.gateway.handleUpgrade(req, socket, head, upgradeFields);
  }

  return { routeOf, fetch, listener, upgrade, close: async () => void (await parts.close?.()) };
}

/**
 * A class with a lazy `log`: a child logger per request is work (its bindings are serialised once
 * made), and most requests — every gateway request — never log anything but the access line.
 */
class RequestContext implements EdgeRequestContext {
  private child: Logger | undefined;
  constructor(
    readonly requestId: string,
    readonly clientAddress: string | undefined,
    private readonly root: Logger,
    private readonly writeAccessLine: (line: AccessLine) => void,
  ) {}

  get log(): Logger {
    return (this.child ??= this.root.child({ request_id: this.requestId }));
  }

  /** The access line: the same line whether or not a child logger was made (it adds request_id only). */
  access(line: AccessLine): void {
    this.writeAccessLine(line);
  }
}

function accessLog(
  context: EdgeRequestContext,
  method: string,
  path: string,
  status: number,
  started: number,
): void {
  // The query string can carry flow ids and logout tokens: log the path only.
  (context as RequestContext).access({
    requestId: context.requestId,
    method,
    path,
    status,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  });
}

// A path of these characters with no `.`/`..` segment is its own WHATWG pathname: URL parsing
// neither percent-encodes nor resolves anything in it (the common case, parsed without a URL object).
const PLAIN_PATH =
  /^\/[A-Za-z0-9\-_~!$&'()*+,;=:@/]*(?:\.[A-Za-z0-9\-_~!$&'()*+,;=:@]+[A-Za-z0-9\-_~!$&'()*+,;=:@/]*)*$/;
const DOT_SEGMENT = /(?:^|\/)\.\.?(?:\/|$)/;

/** WHATWG-normalised pathname (dot segments resolved), exactly as the Web parts will see it. */
export function pathnameOf(url: string | undefined): string | undefined {
  if (!url || !url.startsWith('/')) return undefined;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  // `//x` is an authority to the URL parser (a different pathname): left to it.
  if (path[1] !== '/' && PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path)) return path;
  try {
    return new URL(url, 'http://edge.invalid').pathname;
  } catch {
    return undefined;
  }
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return Array.isArray(value) ? (value[0] ?? null) : (value ?? null);
}

/** The gateway reads the id from the request and forwards raw headers: replace every copy. */
function setRequestId(req: IncomingMessage, requestId: string): void {
  // Node folds every copy into req.headers: none there, none in rawHeaders to look for.
  const sent = req.headers['x-request-id'] !== undefined;
  req.headers['x-request-id'] = requestId;
  const raw = req.rawHeaders;
  if (sent) {
    for (let i = raw.length - 2; i >= 0; i -= 2) {
      if (raw[i]!.toLowerCase() === 'x-request-id') raw.splice(i, 2);
    }
  }
  raw.push('x-request-id', requestId);
}

/**
 * Strict-Transport-Security for every response when browsers reach the edge over https (RFC 6797;
 * ignored over http, §8.1, so never sent there). `undefined`: no header.
 */
export function hstsValue(server: EdgeConfig['server']): string | undefined {
  if (!server.public_url.startsWith('https://') || server.hsts_max_age <= 0) return undefined;
  return `max-age=${server.hsts_max_age}${server.hsts_include_subdomains ? '; includeSubDomains' : ''}`;
}

function withEdgeHeaders(
  response: Response,
  requestId: string,
  hsts: string | undefined,
): Response {
  try {
    setEdgeHeaders(response.headers, requestId, hsts);
    return response;
  } catch {
    // Responses from fetch() have immutable headers: copy once.
    const copy = new Response(response.body, response);
    setEdgeHeaders(copy.headers, requestId, hsts);
    return copy;
  }
}

function setEdgeHeaders(headers: Headers, requestId: string, hsts: string | undefined): void {
  headers.set('x-request-id', requestId);
  if (hsts) headers.set('strict-transport-security', hsts);
}

// A tiny method+path router for the two listeners. Kratos's routes are few and static with
// `{id}`-style parameters, so a list of compiled patterns is all that is needed.
import { errorResponse, redirect } from './respond.ts';
import { notFound, KratosError } from './errors.ts';

export interface RouteContext {
  request: Request;
  url: URL;
  params: Record<string, string>;
  requestId: string;
  /** The peer address of the connection, when served by listen() (Web Requests do not carry it). */
  clientAddress?: string;
}
export type RouteHandler = (ctx: RouteContext) => Promise<Response> | Response;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
}

export class Router {
  readonly #routes: Route[] = [];
  /** Called with every non-KratosError a handler throws (it is rendered as a bare 500). */
  onUnexpectedError: ((err: unknown, ctx: RouteContext) => void) | undefined;
  /** Where a path this router lacks lives instead (the other port), answered with a 307. */
  elsewhere: ((url: URL) => string | undefined) | undefined;

  on(method: string, path: string, handler: RouteHandler): this {
    const keys: string[] = [];
    const source = path
      .split('/')
      .map((seg) => {
        if (seg.startsWith(':')) {
          keys.push(seg.slice(1));
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    this.#routes.push({ method, pattern: new RegExp(`^${source}/?$`), keys, handler });
    return this;
  }

  /** True when some route of this router has `pathname` (any method). */
  hasPath(pathname: string): boolean {
    return this.#routes.some((route) => route.pattern.test(pathname));
  }

  async handle(request: Request, requestId: string, clientAddress?: string): Promise<Response> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return errorResponse(new KratosError(400, 'The request URL is malformed'), requestId);
    }
    let methodMismatch = false;
    for (const route of this.#routes) {
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      if (
        route.method !== request.method &&
        !(route.method === 'GET' && request.method === 'HEAD')
      ) {
        methodMismatch = true;
        continue;
      }
      const params: Record<string, string> = {};
      route.keys.forEach((key, i) => {
        try {
          params[key] = decodeURIComponent(match[i + 1]!);
        } catch {
          params[key] = match[i + 1]!;
        }
      });
      const rc: RouteContext = { request, url, params, requestId };
      if (clientAddress) rc.clientAddress = clientAddress;
      try {
        return await route.handler(rc);
      } catch (err) {
        if (!(err instanceof KratosError)) this.onUnexpectedError?.(err, rc);
        return errorResponse(err, requestId);
      }
    }
    if (methodMismatch) {
      return errorResponse(
        new KratosError(405, 'The requested HTTP method is not allowed'),
        requestId,
      );
    }
    const elsewhere = this.elsewhere?.(url);
    if (elsewhere) return redirect(elsewhere, 307);
    return errorResponse(notFound(`No route matches ${url.pathname}`), requestId);
  }
}

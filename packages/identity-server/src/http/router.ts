// A tiny method+path router for the two listeners. Kratos's routes are few and static with
// `{id}`-style parameters, so a list of compiled patterns is all that is needed.
import { errorResponse, redirect } from './respond.ts';
import { KratosError } from './errors.ts';

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

function plainText(status: number, text: string, headers: Record<string, string> = {}): Response {
  return new Response(`${text}\n`, {
    status,
    headers: {
      'content-type': 'text/plain; charset=utf-8',
      'x-content-type-options': 'nosniff',
      ...headers,
    },
  });
}

export class Router {
  readonly #routes: Route[] = [];
  /** Called with every non-KratosError a handler throws (it is rendered as a bare 500). */
  onUnexpectedError: ((err: unknown, ctx: RouteContext) => void) | undefined;
  /** Where a route this router lacks lives instead (the other port), answered with a 307. */
  elsewhere: ((url: URL, method: string) => string | undefined) | undefined;

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

  /** True when this router has a route for `method` and `pathname`. */
  hasRoute(method: string, pathname: string): boolean {
    return this.#routes.some(
      (route) =>
        route.pattern.test(pathname) &&
        (route.method === method || (route.method === 'GET' && method === 'HEAD')),
    );
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
    const elsewhere = this.elsewhere?.(url, request.method);
    if (elsewhere) return redirect(elsewhere, 307);
    // Kratos's routers answer what Go's mux answers (http.Error): plain text, not the JSON
    // error envelope — "Method Not Allowed" with an Allow header, "404 page not found".
    if (methodMismatch) {
      const allow = [
        ...new Set(this.#routes.filter((r) => r.pattern.test(url.pathname)).map((r) => r.method)),
      ];
      return plainText(405, 'Method Not Allowed', { allow: allow.join(', ') });
    }
    return plainText(404, '404 page not found');
  }
}

// Responses in Hydra's shapes: JSON bodies, fosite's `{error, error_description}` errors and
// Hydra's own 404 body.
export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: {
      ...(status === 204 ? {} : { 'content-type': 'application/json; charset=utf-8' }),
      'cache-control': 'no-store',
      ...headers,
    },
  });
}

export class OAuth2Error extends Error {
  override name = 'OAuth2Error';
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status: number,
  ) {
    super(`${error}: ${description}`);
  }
}

/** fosite's error names and their status codes (fosite/errors.go). */
export const invalidRequest = (description: string) =>
  new OAuth2Error('invalid_request', description, 400);
export const invalidClientMetadata = (description: string) =>
  new OAuth2Error('invalid_client_metadata', description, 400);
export const notFound = () =>
  new OAuth2Error('Not Found', 'Unable to locate the requested resource', 404);

export function errorResponse(err: unknown): Response {
  if (err instanceof OAuth2Error) {
    return json(err.status, { error: err.error, error_description: err.description });
  }
  return json(500, {
    error: 'server_error',
    error_description:
      'The authorization server encountered an unexpected condition that prevented it from fulfilling the request.',
  });
}

/** A JSON request body; empty bodies are `{}`; anything else is Hydra's 400. */
export async function readJSON(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (!text.trim()) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest('Unable to decode the request body as JSON.');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest('The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

export type Handler = (
  request: Request,
  url: URL,
  params: Record<string, string>,
) => Promise<Response>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

/** Method + path routing with `:param` segments; the admin API's only routing need. */
export class Router {
  private readonly routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    const keys: string[] = [];
    const pattern = new RegExp(
      `^${path.replace(/:([a-z_]+)/g, (_, key: string) => {
        keys.push(key);
        return '([^/]+)';
      })}/?$`,
    );
    this.routes.push({ method, pattern, keys, handler });
    return this;
  }

  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(url.pathname);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== request.method) continue;
      const params = Object.fromEntries(
        route.keys.map((key, i) => [key, decodeURIComponent(match[i + 1]!)]),
      );
      try {
        return await route.handler(request, url, params);
      } catch (err) {
        return errorResponse(err);
      }
    }
    return pathMatched
      ? json(405, {
          error: 'Method Not Allowed',
          error_description: 'The requested method is not allowed',
        })
      : errorResponse(notFound());
  }
}

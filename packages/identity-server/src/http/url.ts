// URL helpers every route uses: ids in paths and queries, and URLs on the public base URL.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUUID(value: string | null | undefined): value is string {
  return !!value && UUID.test(value);
}

/** Public URL of a path on this server, e.g. publicURL(base, '/self-service/login?flow=…'). */
export function publicURL(baseURL: string, pathAndQuery: string): string {
  return `${baseURL.replace(/\/+$/, '')}${pathAndQuery}`;
}

/**
 * The inverse of publicURL: a URL this server wrote on its public base URL (a flow's `request_url`),
 * with the base URL's path taken off again, so its pathname is this server's own route. Behind a
 * same-origin proxy the base URL has a path (`https://app.example/api/ory/`).
 */
export function routeURLOf(baseURL: string, absolute: string): URL {
  const url = new URL(absolute);
  const basePath = new URL(baseURL).pathname.replace(/\/+$/, '');
  if (basePath && url.pathname.startsWith(`${basePath}/`)) {
    url.pathname = url.pathname.slice(basePath.length);
  }
  return url;
}

/** `url` with `params` appended to its query (keeps existing ones). */
export function withQuery(url: string, params: Record<string, string>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
  return target.toString();
}

// Browser or API client? Kratos (x.IsJSONRequest) answers JSON when the client accepts JSON or sends
// a JSON body; everything else is treated as a browser and gets redirects.
import { wantsJSON } from '../../http/respond.ts';

export function isJSONRequest(request: Request): boolean {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || wantsJSON(request);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUUID(value: string | null | undefined): value is string {
  return !!value && UUID.test(value);
}

/** Public URL of a path on this server, e.g. publicURL(ctx, '/self-service/login?flow=…'). */
export function publicURL(baseURL: string, pathAndQuery: string): string {
  return `${baseURL.replace(/\/+$/, '')}${pathAndQuery}`;
}

/** `url` with `params` appended to its query (keeps existing ones). */
export function withQuery(url: string, params: Record<string, string>): string {
  const target = new URL(url);
  for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
  return target.toString();
}

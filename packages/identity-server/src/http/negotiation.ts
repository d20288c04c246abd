// Browser or API client? Kratos (x.IsJSONRequest) answers JSON when the client accepts JSON or sends
// a JSON body; everything else is treated as a browser and gets redirects.
import { wantsJSON } from './respond.ts';

export function isJSONRequest(request: Request): boolean {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || wantsJSON(request);
}

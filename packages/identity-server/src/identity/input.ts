// Admin request bodies, checked like Kratos's strict JSON decoder: known keys only, right types.
import { KratosError, badRequest } from '../http/errors.ts';
import { readLimitedText } from '../http/body.ts';

export type JSONObject = Record<string, unknown>;

export const isObject = (v: unknown): v is JSONObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The request body as a JSON object; anything else is Kratos's 400. */
/**
 * Kratos identity/handler.go create: a body the strict JSON decoder refuses is
 * herodot.ErrBadRequest.WithError(err.Error()) — the decoder's text as the message, no reason.
 */
const decodeError = (text: string) => new KratosError(400, text);

export async function readJSONObject(request: Request, limit: number): Promise<JSONObject> {
  const text = await readLimitedText(request, limit);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw decodeError('unexpected end of JSON input');
  }
  if (!isObject(parsed)) {
    const kind = Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed;
    throw decodeError(`json: cannot unmarshal ${kind} into a JSON object`);
  }
  return parsed;
}

/** Go's json.Decoder.DisallowUnknownFields message, as Kratos returns it for create. */
export function rejectUnknownKeys(
  body: JSONObject,
  allowed: ReadonlySet<string>,
  prefix = '',
): void {
  for (const key of Object.keys(body)) {
    if (!allowed.has(key)) {
      throw decodeError(`json: unknown field "${prefix}${key}"`);
    }
  }
}

export function optionalString(body: JSONObject, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw badRequest(`${key} must be a string`);
  return value;
}

export function readState(body: JSONObject): 'active' | 'inactive' | undefined {
  const state = optionalString(body, 'state');
  if (state === undefined) return undefined;
  if (state !== 'active' && state !== 'inactive') {
    throw badRequest(
      `The supplied state ('${state}') was not valid. Valid states are ('active', 'inactive').`,
    );
  }
  return state;
}

/** metadata_public / metadata_admin: any JSON value; absent means null (Kratos json.RawMessage). */
export function readMetadata(body: JSONObject, key: string): Record<string, unknown> | null {
  const value = body[key];
  return value === undefined ? null : (value as Record<string, unknown> | null);
}

export function readAddressList<T>(body: JSONObject, key: string): Array<Partial<T>> | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every(isObject))
    throw badRequest(`${key} must be a list of objects`);
  // Kratos lower-cases imported addresses so the schema extension finds them again.
  return value.map((a) => ({
    ...a,
    ...(typeof a.value === 'string' ? { value: a.value.toLowerCase() } : {}),
  })) as Array<Partial<T>>;
}

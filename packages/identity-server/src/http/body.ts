// Request bodies as Kratos accepts them: JSON or form-urlencoded, bounded in size, never a stack trace.
import { badRequest, payloadTooLarge, unsupportedMediaType } from './errors.ts';

export const DEFAULT_BODY_LIMIT = 1024 * 1024; // 1 MiB

export type BodyKind = 'json' | 'form';
export interface ParsedBody {
  kind: BodyKind;
  /** Form fields are expanded from dotted names (`traits.name.first`) into nested objects. */
  data: Record<string, unknown>;
}

export async function readLimitedText(
  request: Request,
  limit = DEFAULT_BODY_LIMIT,
): Promise<string> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limit) throw payloadTooLarge(limit);
  if (!request.body) return '';
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw payloadTooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function parseBody(request: Request, limit = DEFAULT_BODY_LIMIT): Promise<ParsedBody> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const text = await readLimitedText(request, limit);
  if (type === 'application/json' || (type === '' && text.trimStart().startsWith('{'))) {
    let data: unknown;
    try {
      data = text === '' ? {} : JSON.parse(text);
    } catch {
      throw badRequest('Unable to decode JSON payload: the request body is not valid JSON.');
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw badRequest('Unable to decode JSON payload: expected a JSON object.');
    }
    return { kind: 'json', data: data as Record<string, unknown> };
  }
  if (
    type === 'application/x-www-form-urlencoded' ||
    type === 'multipart/form-data' ||
    type === ''
  ) {
    if (type === 'multipart/form-data') {
      const form = await new Request('http://body.invalid', {
        method: 'POST',
        headers: { 'content-type': request.headers.get('content-type')! },
        body: text,
      }).formData();
      return { kind: 'form', data: expandDotted([...form].map(([k, v]) => [k, String(v)])) };
    }
    return { kind: 'form', data: expandDotted([...new URLSearchParams(text)]) };
  }
  throw unsupportedMediaType(type);
}

/** `traits.name.first=Ada` → `{ traits: { name: { first: 'Ada' } } }`; refuses prototype keys. */
export function expandDotted(entries: Iterable<[string, string]>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of entries) {
    const parts = key.split('.');
    if (
      parts.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')
    ) {
      continue;
    }
    let node = out;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (typeof next !== 'object' || next === null) node[part] = Object.create(null);
      node = node[part] as Record<string, unknown>;
    }
    node[parts.at(-1)!] = value;
  }
  return out;
}

// Response bodies: JSON and HTML from Kratos are buffered (bounded) and rewritten; everything else
// streams through untouched, so binary bodies are never decoded as text.
import { rewriteHTMLBody } from './html-body.ts';
import { rewriteJSONBody } from './json-body.ts';
import type { URLRewriter } from './url-rewriter.ts';

export class BodyTooLarge extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
    this.name = 'BodyTooLarge';
  }
}

/** Reads a whole body, refusing (and cancelling the stream) once it passes `limit` bytes. */
export async function readLimited(
  body: ReadableStream<Uint8Array> | null,
  limit: number,
): Promise<Uint8Array> {
  if (!body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw new BodyTooLarge(limit);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return concat(chunks, size);
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

export type BodyKind = 'json' | 'html' | 'opaque';

export function bodyKindOf(contentType: string | null): BodyKind {
  const mime = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (mime === 'application/json' || mime.endsWith('+json')) return 'json';
  if (mime === 'text/html' || mime === 'application/xhtml+xml') return 'html';
  return 'opaque';
}

const DECODER = new TextDecoder('utf-8', { fatal: false });
const ENCODER = new TextEncoder();
/** Every absolute URL contains `:/` (`:\/` with JSON-escaped slashes); a body without either has none. */
const URL_MARKS = [Buffer.from(':/'), Buffer.from(':\\/')];

/** Rewrites a buffered Kratos body of a known kind; returns the same bytes when nothing changed. */
export function rewriteBody(
  bytes: Uint8Array,
  kind: Exclude<BodyKind, 'opaque'>,
  rewriter: URLRewriter,
  publicOrigin: string,
): Uint8Array {
  if (bytes.byteLength === 0) return bytes;
  // Most answers on the hot path (whoami, errors) name no URL at all: skip decoding them.
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!URL_MARKS.some((mark) => view.includes(mark))) return bytes;
  const text = DECODER.decode(bytes);
  const result =
    kind === 'json'
      ? rewriteJSONBody(text, rewriter, publicOrigin)
      : rewriteHTMLBody(text, rewriter, publicOrigin);
  return result.changed ? ENCODER.encode(result.text) : bytes;
}

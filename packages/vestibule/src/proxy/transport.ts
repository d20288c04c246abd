// How the proxy talks to Kratos. Two transports behind one small interface:
// - default: undici's `Dispatcher.request` on a keep-alive Agent we own. Bodies the proxy rewrites are
//   read straight off the Node stream; only pass-through bodies become Web streams. bench/proxy.bench.ts
//   showed WHATWG stream/Response churn (fetch, Readable.toWeb, getReader) dominating the proxy's cost.
// - an injected `fetch` (tests, non-Node runtimes), through the shared `callOutbound` helper.
// Both have fetch's semantics: redirects are never followed, gzip/deflate/br bodies arrive decoded,
// failures are `KratosUnavailable` (502, or 504 once the deadline passed).
import { pipeline, Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { Agent, type Dispatcher } from 'undici';
import { KratosUnavailable } from '../lib/errors.ts';
import { callOutbound, type FetchLike } from '../lib/outbound.ts';
import { BodyTooLarge, readLimited } from './body.ts';

export interface UpstreamRequest {
  method: string;
  headers: Headers;
  body: Uint8Array | ReadableStream<Uint8Array> | null;
}

export interface UpstreamResponse {
  status: number;
  headers: Headers;
  /** The whole decoded body; BodyTooLarge past `limit`, KratosUnavailable on a stall or reset. */
  bytes(limit: number): Promise<Uint8Array>;
  /** The decoded body as a Web stream, for pass-through. */
  stream(): ReadableStream<Uint8Array> | null;
  discard(): void;
}

export interface Transport {
  send(url: string, request: UpstreamRequest, timeoutMs: number): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

export function createTransport(options: {
  fetch?: FetchLike;
  dispatcher?: Dispatcher;
}): Transport {
  if (options.fetch) return fetchTransport(options.fetch);
  const dispatcher = options.dispatcher ?? new Agent({ keepAliveTimeout: 10_000 });
  return undiciTransport(dispatcher, options.dispatcher === undefined);
}

function fetchTransport(fetch: FetchLike): Transport {
  return {
    async send(url, request, timeoutMs) {
      const init = {
        method: request.method,
        headers: request.headers,
        body: request.body as BodyInit | null,
        ...(request.body instanceof ReadableStream ? { duplex: 'half' } : {}),
      } as RequestInit;
      const res = await callOutbound(url, init, { fetch, timeoutMs, service: 'kratos' });
      return {
        status: res.status,
        // Fetch already decoded the body: its Content-Encoding no longer describes it.
        headers: withoutEncoding(res.headers),
        bytes: (limit) => guard(readLimited(res.body, limit), timeoutMs),
        stream: () => res.body,
        discard: () => void res.body?.cancel().catch(() => undefined),
      };
    },
    close: async () => undefined,
  };
}

function undiciTransport(dispatcher: Dispatcher, owned: boolean): Transport {
  return {
    async send(url, request, timeoutMs) {
      const deadline = startDeadline(timeoutMs);
      const target = new URL(url);
      let res: Dispatcher.ResponseData;
      try {
        res = await dispatcher.request({
          origin: target.origin,
          path: target.pathname + target.search,
          method: request.method as Dispatcher.HttpMethod,
          headers: plainHeaders(request.headers),
          body: toNodeBody(request.body),
          signal: deadline.signal,
        });
      } catch (err) {
        deadline.clear();
        throw unavailable(err, deadline.signal.aborted, timeoutMs);
      }
      const headers = fromNodeHeaders(res.headers);
      const body = decoded(res.body, headers.get('content-encoding'));
      // Readers (the size-limited reader, Readable.toWeb) see errors through their own channels;
      // this listener only stops a late abort on an abandoned body from becoming an uncaught error.
      res.body.on('error', noop);
      body.on('error', noop);
      body.once('close', deadline.clear);
      return {
        status: res.statusCode,
        headers: withoutEncoding(headers),
        bytes: (limit) => readNodeLimited(body, limit, deadline.signal, timeoutMs),
        stream: () => Readable.toWeb(body) as ReadableStream<Uint8Array>,
        // dump(), not destroy(): an unread body destroyed without an error makes undici emit
        // "Request aborted" and drops a keep-alive connection that is still good.
        discard: () => {
          deadline.clear();
          void res.body.dump().catch(noop);
        },
      };
    },
    close: async () => (owned ? dispatcher.close() : undefined),
  };
}

/**
 * A whole-exchange deadline. AbortController + one cleared timer: `AbortSignal.timeout()` costs about
 * 15× more per call on Node 20 (measured: ~60 µs vs ~5 µs), which showed on the proxy's hot path.
 */
function startDeadline(timeoutMs: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('The Kratos call timed out', 'TimeoutError')),
    timeoutMs,
  );
  timer.unref();
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function noop(): void {}

function unavailable(err: unknown, timedOut: boolean, timeoutMs: number): KratosUnavailable {
  if (err instanceof KratosUnavailable) return err;
  return timedOut
    ? new KratosUnavailable(`kratos did not answer within ${timeoutMs}ms`, {
        cause: err,
        timeout: true,
      })
    : new KratosUnavailable(`kratos is unreachable: ${(err as Error).message}`, { cause: err });
}

async function guard(read: Promise<Uint8Array>, timeoutMs: number): Promise<Uint8Array> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof BodyTooLarge) throw err;
    throw unavailable(err, (err as Error)?.name === 'TimeoutError', timeoutMs);
  }
}

async function readNodeLimited(
  body: Readable,
  limit: number,
  deadline: AbortSignal,
  timeoutMs: number,
): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      size += chunk.byteLength;
      if (size > limit) {
        body.destroy();
        throw new BodyTooLarge(limit);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof BodyTooLarge) throw err;
    throw unavailable(err, deadline.aborted, timeoutMs);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

function plainHeaders(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => (out[name] = value));
  return out;
}

function fromNodeHeaders(raw: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers();
  for (const name in raw) {
    const value = raw[name];
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.append(name, value);
  }
  return headers;
}

function withoutEncoding(headers: Headers): Headers {
  const encoding = headers.get('content-encoding')?.trim().toLowerCase();
  if (encoding && DECODED.has(encoding)) {
    headers.delete('content-encoding');
    headers.delete('content-length');
  }
  return headers;
}

function toNodeBody(body: UpstreamRequest['body']): Dispatcher.DispatchOptions['body'] {
  if (body === null || body instanceof Uint8Array) return body;
  return Readable.fromWeb(body as never);
}

/** Like fetch: a gzip/deflate/br body is handed on decoded. */
function decoded(body: Readable, encoding: string | null): Readable {
  const decoder = decoderFor(encoding);
  // pipeline() carries an upstream error (or the deadline's abort) into the decoder's stream.
  return decoder ? pipeline(body, decoder, () => undefined) : body;
}

const DECODED: ReadonlySet<string> = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

function decoderFor(encoding: string | null | undefined) {
  const e = encoding?.trim().toLowerCase();
  if (e === 'gzip' || e === 'x-gzip') return createGunzip();
  if (e === 'deflate') return createInflate();
  if (e === 'br') return createBrotliDecompress();
  return undefined;
}

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
import { Deadline } from '../lib/deadline.ts';
import { KratosUnavailable } from '../lib/errors.ts';
import { callOutbound, type FetchLike } from '../lib/outbound.ts';
import { BodyTooLarge, readLimited } from './body.ts';

export interface UpstreamRequest {
  method: string;
  /** Lower-case names; a plain object (undici takes it as is, fetch as HeadersInit). */
  headers: Record<string, string>;
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
      const deadline = new Deadline(timeoutMs, 'The Kratos call');
      const { origin, path } = splitURL(url);
      let res: Dispatcher.ResponseData;
      try {
        // within(): undici only notes an abort while the request waits for a socket or a connection.
        res = await deadline.within(
          dispatcher.request({
            origin,
            path,
            method: request.method as Dispatcher.HttpMethod,
            headers: request.headers,
            body: toNodeBody(request.body),
            signal: deadline,
          }),
        );
      } catch (err) {
        deadline.clear();
        throw unavailable(err, deadline.aborted, timeoutMs);
      }
      return new NodeUpstreamResponse(res, deadline, timeoutMs);
    },
    close: async () => (owned ? dispatcher.close() : undefined),
  };
}

/** Methods on a prototype rather than closures per response: less to allocate on the hot path. */
class NodeUpstreamResponse implements UpstreamResponse {
  readonly status: number;
  readonly headers: Headers;
  private readonly body: Readable;

  constructor(
    private readonly res: Dispatcher.ResponseData,
    private readonly deadline: Deadline,
    private readonly timeoutMs: number,
  ) {
    this.status = res.statusCode;
    const headers = fromNodeHeaders(res.headers);
    this.body = decoded(res.body, headers.get('content-encoding'));
    this.headers = withoutEncoding(headers);
    // Readers (the size-limited reader, Readable.toWeb) see errors through their own channels; this
    // listener only stops a late abort on an abandoned body from becoming an uncaught error.
    res.body.on('error', noop);
    if (this.body !== res.body) this.body.on('error', noop);
    this.body.once('close', clearDeadline.bind(deadline));
  }

  bytes(limit: number): Promise<Uint8Array> {
    return readNodeLimited(this.body, limit, this.deadline, this.timeoutMs);
  }

  stream(): ReadableStream<Uint8Array> {
    return Readable.toWeb(this.body) as ReadableStream<Uint8Array>;
  }

  // dump(), not destroy(): an unread body destroyed without an error makes undici emit
  // "Request aborted" and drops a keep-alive connection that is still good.
  discard(): void {
    this.deadline.clear();
    void this.res.body.dump().catch(noop);
  }
}

function clearDeadline(this: Deadline): void {
  this.clear();
}

/** `http://host:port/path?q` → origin and path, without a URL parse (the proxy builds these URLs). */
function splitURL(url: string): { origin: string; path: string } {
  const slash = url.indexOf('/', url.indexOf('//') + 2);
  if (slash > 0 && /^https?:\/\/[^/?#@\\]+$/i.test(url.slice(0, slash))) {
    return { origin: url.slice(0, slash), path: url.slice(slash) };
  }
  const target = new URL(url);
  return { origin: target.origin, path: target.pathname + target.search };
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

/**
 * Reads a whole Node body, refusing past `limit`. Listeners rather than `for await` (the async
 * iterator machinery of a Readable showed up in the proxy's CPU per request), bound methods rather
 * than closures (tsx names every closure it creates, which costs per request).
 */
function readNodeLimited(
  body: Readable,
  limit: number,
  deadline: Deadline,
  timeoutMs: number,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    new LimitedReader(body, limit, deadline, timeoutMs, resolve, reject).start();
  });
}

class LimitedReader {
  private readonly chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly body: Readable,
    private readonly limit: number,
    private readonly deadline: Deadline,
    private readonly timeoutMs: number,
    private readonly resolve: (bytes: Uint8Array) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.onData = this.onData.bind(this);
    this.onEnd = this.onEnd.bind(this);
    this.onError = this.onError.bind(this);
    this.onClose = this.onClose.bind(this);
  }

  start(): void {
    const { body } = this;
    if (body.readableEnded) return this.resolve(new Uint8Array(0));
    if (body.destroyed) return this.onError(body.errored ?? this.deadline.reason);
    body.on('data', this.onData);
    body.on('end', this.onEnd);
    body.on('error', this.onError);
    body.on('close', this.onClose);
  }

  private finish(): void {
    this.body.off('data', this.onData);
    this.body.off('end', this.onEnd);
    this.body.off('error', this.onError);
    this.body.off('close', this.onClose);
  }

  private onData(chunk: Buffer): void {
    this.size += chunk.byteLength;
    if (this.size > this.limit) {
      this.finish();
      this.body.destroy();
      this.reject(new BodyTooLarge(this.limit));
      return;
    }
    this.chunks.push(chunk);
  }

  private onEnd(): void {
    this.finish();
    const { chunks, size } = this;
    this.resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
  }

  private onError(err: unknown): void {
    this.finish();
    this.reject(unavailable(err ?? this.deadline.reason, this.deadline.aborted, this.timeoutMs));
  }

  /** A body destroyed without an error (a reset connection) closes without 'end'. */
  private onClose(): void {
    this.onError(new Error('the Kratos response body was cut off'));
  }
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

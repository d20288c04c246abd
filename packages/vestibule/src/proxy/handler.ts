// createOryProxy: a Web-standard handler (Request → Response) that an edge, a Next.js route handler
// or a Hono app mounts at `/api/ory/*`, so the browser only ever talks to its own origin.
import { requestIdFrom, saneRequestId } from '../lib/request-id.ts';
import { BodyTooLarge, readLimited } from './body.ts';
import {
  DoubleSubmitGuard,
  guardedFlowId,
  MAX_GUARDED_BODY_BYTES,
  submitKey,
} from './double-submit.ts';
import type { ResponseSnapshot } from './double-submit.ts';
import { exchange, type ExchangeContext, type ExchangeSettings } from './forward.ts';
import { createTransport } from './transport.ts';
import { declaredContentLength, upstreamHeaderRecord } from './headers.ts';
import { logoutEvent, logoutKindOf } from './logout.ts';
import { resolveProxyOptions, type OryProxyOptions, type ResolvedProxyOptions } from './options.ts';
import { decideProxyPath, rawPathOf } from './path.ts';
import { resolvePublicOrigin, trustedForwardedFor } from './public-origin.ts';
import { MeteredBody } from './request-body.ts';
import { ownErrorResponse } from './respond.ts';
import { URLRewriter } from './url-rewriter.ts';

export interface ProxyRequestInfo {
  /** The client's address as the edge sees it (socket peer); becomes X-Forwarded-For. */
  clientAddress?: string;
  /**
   * The caller's request id (the edge's), used instead of the request's `X-Request-Id` so the caller
   * need not copy the whole Request to replace one header. Must be a sane id (else one is minted).
   */
  requestId?: string;
}

export interface OryProxy {
  (request: Request, info?: ProxyRequestInfo): Promise<Response>;
  /** The validated, frozen options (prefix, public origin...). */
  readonly options: ResolvedProxyOptions;
  /** Closes the keep-alive connections the default transport opened. */
  close(): Promise<void>;
}

/** Kratos's API uses these; TRACE/CONNECT and inventions stop here (TRACE echoes cookies back). */
const FORWARDED_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'OPTIONS',
]);

/** Small request bodies the proxy must read itself (native logout carries the token in its body). */
const MAX_LOGOUT_BODY_BYTES = 64 * 1024;

export function createOryProxy(options: OryProxyOptions): OryProxy {
  const o = resolveProxyOptions(options);
  const rewriter = new URLRewriter({
    bases: o.bases,
    inClusterHost: o.inClusterHost,
    prefix: o.prefix,
  });
  const transport = createTransport(o);
  const settings: ExchangeSettings = {
    transport,
    timeoutMs: o.timeoutMs,
    rewriter,
    cookieDomain: o.cookieDomain,
    maxRewriteBytes: o.maxRewriteBytes,
    logger: o.logger,
  };
  const guard = o.doubleSubmit
    ? new DoubleSubmitGuard({ ...o.doubleSubmit, now: o.now })
    : undefined;
  const kratosBasePath = o.kratosURL.pathname.replace(/\/+$/, '');

  const handle = async (request: Request, info?: ProxyRequestInfo): Promise<Response> => {
    const requestId =
      info?.requestId === undefined
        ? requestIdFrom(request.headers)
        : saneRequestId(info.requestId);
    const decision = decideProxyPath(rawPathOf(request.url), o.prefixSegments);
    if (!decision.allowed) {
      o.logger.info('ory proxy refused path', { requestId, reason: decision.reason });
      return ownErrorResponse(404, requestId, request.headers.get('accept'));
    }
    if (!FORWARDED_METHODS.has(request.method.toUpperCase())) {
      const refused = ownErrorResponse(405, requestId, request.headers.get('accept'));
      refused.headers.set('allow', [...FORWARDED_METHODS].join(', '));
      return refused;
    }
    const declared = declaredContentLength(request.headers);
    if (declared === 'invalid' || (declared ?? 0) > o.maxRequestBodyBytes) {
      // Refused before a byte of the body is read or Kratos is called.
      const status = declared === 'invalid' ? 400 : 413;
      o.logger.info('ory proxy refused a request body', { requestId, status, declared });
      return unreadBody(ownErrorResponse(status, requestId, request.headers.get('accept')));
    }
    const url = new URL(request.url);
    const publicOrigin = resolvePublicOrigin(request, url, o);
    const ctx: ExchangeContext = {
      requestId,
      method: request.method.toUpperCase(),
      upstreamURL: o.kratosURL.origin + kratosBasePath + decision.path + url.search,
      publicOrigin,
      accept: request.headers.get('accept'),
      headers: upstreamHeaderRecord(request.headers, {
        clientAddress: info?.clientAddress,
        trustedForwardedFor: trustedForwardedFor(request, o.trustForwardedHeaders),
        publicOrigin,
        requestId,
      }),
      body: null,
      bufferAll: false,
    };
    try {
      return await route(request, ctx, decision.segments, url, declared);
    } catch (err) {
      if (err instanceof BodyTooLarge)
        return unreadBody(ownErrorResponse(413, requestId, ctx.accept));
      // exchange() never rejects; what is left is a request body the client broke off or garbled.
      o.logger.warn('ory proxy could not read the request body', { requestId, err });
      return ownErrorResponse(400, requestId, ctx.accept);
    }
  };

  async function route(
    request: Request,
    ctx: ExchangeContext,
    segments: readonly string[],
    url: URL,
    /** The client's Content-Length, already checked against the limit by handle(). */
    declared: number | undefined,
  ): Promise<Response> {
    const logoutKind = logoutKindOf(ctx.method, segments);
    const flowId = guard && guardedFlowId(ctx.method, segments, url.searchParams, request.headers);
    if (guard && flowId) {
      const limit = Math.min(MAX_GUARDED_BODY_BYTES, o.maxRequestBodyBytes);
      const body = await readLimited(request.body, limit);
      const key = submitKey({ flowId, headers: request.headers, body });
      const { snapshot, replayed } = await guard.run(key, () =>
        exchangeSnapshot({ ...ctx, body, bufferAll: true }),
      );
      if (replayed) o.logger.info('double submit coalesced', { requestId: ctx.requestId, flowId });
      return fromSnapshot(snapshot, replayed ? ctx.requestId : undefined);
    }
    if (logoutKind === undefined) {
      const hasBody = ctx.method !== 'GET' && ctx.method !== 'HEAD';
      if (!hasBody || request.body === null) return exchange({ ...ctx, body: null }, settings);
      return exchangeStreamed(request.body, ctx, declared);
    }
    const limit = Math.min(MAX_LOGOUT_BODY_BYTES, o.maxRequestBodyBytes);
    const body = ctx.method === 'DELETE' ? await readLimited(request.body, limit) : undefined;
    const response = await exchange({ ...ctx, body: body?.byteLength ? body : null }, settings);
    if (response.status < 400 && o.onLogout) {
      const event = logoutEvent(logoutKind, {
        headers: request.headers,
        segments,
        body,
        requestId: ctx.requestId,
      });
      try {
        await o.onLogout(event);
      } catch (err) {
        o.logger.error('onLogout hook failed', { requestId: ctx.requestId, err });
      }
    }
    return response;
  }

  /**
   * Streams the client's body to Kratos through a meter: never buffered, cut off past the limit.
   * A cut-off body (too large, not the declared length, or the client gone) is the client's doing:
   * it gets the proxy's 413/400, and the aborted Kratos call is not reported as Kratos unreachable.
   */
  async function exchangeStreamed(
    source: ReadableStream<Uint8Array>,
    ctx: ExchangeContext,
    length: number | undefined,
  ): Promise<Response> {
    // Checked up front in handle(); an accurate length spares Kratos a chunked upload.
    const meter = new MeteredBody(source, { limit: o.maxRequestBodyBytes, declared: length });
    const headers =
      length === undefined ? ctx.headers : { ...ctx.headers, 'content-length': String(length) };
    const response = await exchange(
      { ...ctx, headers, body: meter.stream },
      { ...settings, logger: meter.quiet(o.logger) },
    );
    // A client that trickles its body past the deadline is slow, Kratos is not: 408, not 504.
    const tooSlow = meter.clientTooSlow(response.status);
    if (meter.failure === undefined && !tooSlow) return response;
    void response.body?.cancel().catch(() => undefined);
    o.logger.info('ory proxy stopped a request body', {
      requestId: ctx.requestId,
      reason: meter.failure ?? 'too-slow',
      limit: o.maxRequestBodyBytes,
    });
    const status = tooSlow ? 408 : meter.failure === 'too-large' ? 413 : 400;
    return unreadBody(ownErrorResponse(status, ctx.requestId, ctx.accept));
  }

  async function exchangeSnapshot(ctx: ExchangeContext): Promise<ResponseSnapshot> {
    const response = await exchange(ctx, settings);
    const body = new Uint8Array(await response.arrayBuffer());
    return { status: response.status, headers: [...response.headers], body };
  }

  return Object.assign(handle, { options: o, close: () => transport.close() });
}

/**
 * The rest of the client's body is never read: ask the edge to close the connection after this
 * answer rather than keep a socket with unread bytes for the client to reuse (RFC 9112 §9.6).
 */
function unreadBody(response: Response): Response {
  response.headers.set('connection', 'close');
  return response;
}

/** `replayFor`: the request id of the duplicate that receives a replayed answer. */
function fromSnapshot(snapshot: ResponseSnapshot, replayFor: string | undefined): Response {
  const headers = new Headers();
  for (const [name, value] of snapshot.headers) headers.append(name, value);
  if (replayFor) {
    headers.set('x-request-id', replayFor);
    headers.set('x-vestibule-replayed', 'double-submit');
  }
  const nullBody = snapshot.status === 204 || snapshot.status === 304 || snapshot.status === 205;
  return new Response(nullBody ? null : snapshot.body.slice(), {
    status: snapshot.status,
    headers,
  });
}

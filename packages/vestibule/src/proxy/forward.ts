// One exchange with Kratos: send (never following redirects: a 303 from Kratos is for the browser,
// not for us), then turn Kratos's answer into the browser's: Set-Cookie and Location rewritten, URL
// fields of JSON/HTML bodies rewritten, Content-Length recomputed, everything else streamed through.
import { KratosUnavailable } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { BodyTooLarge, bodyKindOf, rewriteBody } from './body.ts';
import { copyResponseHeaders } from './headers.ts';
import { ownErrorResponse } from './respond.ts';
import { rewriteSetCookie } from './set-cookie.ts';
import type { Transport, UpstreamRequest, UpstreamResponse } from './transport.ts';
import type { URLRewriter } from './url-rewriter.ts';

export interface ExchangeContext {
  requestId: string;
  method: string;
  upstreamURL: string;
  publicOrigin: URL;
  accept: string | null;
  headers: Record<string, string>;
  body: UpstreamRequest['body'];
  /** Buffer the whole answer even when opaque (the double-submit guard replays it). */
  bufferAll: boolean;
}

export interface ExchangeSettings {
  transport: Transport;
  timeoutMs: number;
  rewriter: URLRewriter;
  cookieDomain?: string;
  maxRewriteBytes: number;
  logger: Logger;
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);
/** Opaque bodies up to this declared size are read whole: cheaper in Node than a Web stream. */
const SMALL_BODY_BYTES = 64 * 1024;

/** Never rejects: transport failures become the proxy's own 502/504 answers. */
export async function exchange(
  ctx: ExchangeContext,
  settings: ExchangeSettings,
): Promise<Response> {
  try {
    const upstream = await settings.transport.send(
      ctx.upstreamURL,
      { method: ctx.method, headers: ctx.headers, body: ctx.body },
      settings.timeoutMs,
    );
    return await toDownstream(upstream, ctx, settings);
  } catch (err) {
    const status = failureStatus(err);
    settings.logger.warn('kratos exchange failed', {
      requestId: ctx.requestId,
      status,
      // The path only: queries here carry one-time secrets (recovery and logout tokens, OIDC codes)
      // that a failed exchange never redeemed.
      upstream: ctx.upstreamURL.split('?')[0],
      err,
    });
    return ownErrorResponse(status, ctx.requestId, ctx.accept);
  }
}

function failureStatus(err: unknown): 502 | 504 {
  if (err instanceof KratosUnavailable) return err.status === 504 ? 504 : 502;
  // The deadline also covers reading the body: fetch errors the stream with the timeout reason.
  if (err instanceof Error && err.name === 'TimeoutError') return 504;
  return 502;
}

async function toDownstream(
  upstream: UpstreamResponse,
  ctx: ExchangeContext,
  settings: ExchangeSettings,
): Promise<Response> {
  const headers = downstreamHeaders(upstream.headers, ctx, settings);
  const { status } = upstream;
  if (ctx.method === 'HEAD' || NULL_BODY_STATUS.has(status)) {
    upstream.discard();
    return new Response(null, { status, headers });
  }
  const kind = bodyKindOf(upstream.headers.get('content-type'));
  // The transport dropped Content-Length when it decoded the body, so what is left still holds.
  const length = upstream.headers.get('content-length');
  if (kind === 'opaque' && !ctx.bufferAll && !(length && Number(length) <= SMALL_BODY_BYTES)) {
    if (length) headers.set('content-length', length);
    return new Response(upstream.stream(), { status, headers });
  }
  let bytes: Uint8Array;
  try {
    bytes = await upstream.bytes(settings.maxRewriteBytes);
  } catch (err) {
    // Too large to rewrite safely: fail closed rather than pass internal URLs to the browser.
    if (err instanceof BodyTooLarge) throw new KratosUnavailable(err.message, { cause: err });
    throw err;
  }
  const body =
    kind === 'opaque'
      ? bytes
      : rewriteBody(bytes, kind, settings.rewriter, ctx.publicOrigin.origin);
  headers.set('content-length', String(body.byteLength));
  return new Response(body as BodyInit, { status, headers });
}

function downstreamHeaders(
  upstream: Headers,
  ctx: ExchangeContext,
  settings: ExchangeSettings,
): Headers {
  const headers = copyResponseHeaders(upstream);
  const cookieOptions = {
    secure: ctx.publicOrigin.protocol === 'https:',
    cookieDomain: settings.cookieDomain,
  };
  for (const line of upstream.getSetCookie()) {
    headers.append('set-cookie', rewriteSetCookie(line, cookieOptions));
  }
  const location = upstream.get('location');
  if (location !== null) {
    const origin = ctx.publicOrigin.origin;
    headers.set('location', settings.rewriter.rewriteLocation(location, ctx.upstreamURL, origin));
  }
  headers.set('x-request-id', ctx.requestId);
  return headers;
}

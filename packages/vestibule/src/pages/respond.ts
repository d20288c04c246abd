// Decide in data, build HTTP once: page handlers return a PageResult; this turns it into a Response
// with the security headers every page gets.
import type { CaptchaCSPSources } from '../captcha/providers.ts';

export type PageResult =
  | {
      kind: 'html';
      status: number;
      body: string;
      nonce: string;
      cookies?: string[];
      /** Origins of third-party scripts Kratos asked for (captcha widgets render in their iframes). */
      frameSources?: readonly string[];
      /** The edge's own captcha widget on this page (allowed only when rendered). */
      captchaSources?: CaptchaCSPSources;
      /** Extra img-src origins for this page only (an OAuth2 client's logo on the consent page). */
      imgSources?: readonly string[];
    }
  | { kind: 'redirect'; location: string; cookies?: string[] }
  | { kind: 'asset'; body: string; contentType: string; immutable: boolean }
  | { kind: 'method_not_allowed' };

export interface RespondContext {
  requestId: string;
  head: boolean;
  /** Extra img-src origins (the theme logo). */
  imgSources: readonly string[];
}

export function toResponse(result: PageResult, ctx: RespondContext): Response {
  const headers = new Headers({
    'x-request-id': ctx.requestId,
    'x-content-type-options': 'nosniff',
  });
  switch (result.kind) {
    case 'redirect':
      headers.set('location', result.location);
      setPrivate(headers);
      for (const c of result.cookies ?? []) headers.append('set-cookie', c);
      return new Response(null, { status: 303, headers });
    case 'html':
      headers.set('content-type', 'text/html; charset=utf-8');
      headers.set(
        'content-security-policy',
        contentSecurityPolicy(
          result.nonce,
          [...ctx.imgSources, ...(result.imgSources ?? [])],
          result.frameSources ?? [],
          result.captchaSources,
        ),
      );
      headers.set('x-frame-options', 'DENY');
      headers.set('cross-origin-opener-policy', 'same-origin');
      setPrivate(headers);
      for (const c of result.cookies ?? []) headers.append('set-cookie', c);
      return new Response(ctx.head ? null : result.body, { status: result.status, headers });
    case 'asset':
      headers.set('content-type', result.contentType);
      headers.set(
        'cache-control',
        result.immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
      );
      return new Response(ctx.head ? null : result.body, { status: 200, headers });
    case 'method_not_allowed':
      headers.set('allow', 'GET, HEAD');
      setPrivate(headers);
      return new Response(null, { status: 405, headers });
  }
}

/** Flow pages carry flow ids, CSRF tokens and personal data: never cached, never sent as a referrer. */
function setPrivate(headers: Headers): void {
  headers.set('cache-control', 'no-store');
  headers.set('referrer-policy', 'no-referrer');
}

/**
 * Scripts only by nonce (ours, and the WebAuthn/captcha scripts Kratos asks for, which we tag with the
 * same nonce). No `form-action`: Chrome applies it to the redirects after a form post, and Kratos
 * answers posts with 303s to OIDC providers and to allowed return URLs on other origins.
 */
export function contentSecurityPolicy(
  nonce: string,
  imgSources: readonly string[],
  frameSources: readonly string[] = [],
  captcha: CaptchaCSPSources = { script: [], frame: [], connect: [], style: [] },
): string {
  const frames = [...new Set([...frameSources, ...captcha.frame])];
  return [
    "default-src 'none'",
    [`script-src 'nonce-${nonce}'`, ...captcha.script].join(' '),
    [`style-src 'self' 'nonce-${nonce}'`, ...captcha.style].join(' '),
    ["img-src 'self' data:", ...imgSources].join(' '),
    ["connect-src 'self'", ...captcha.connect].join(' '),
    frames.length ? `frame-src ${frames.join(' ')}` : "frame-src 'none'",
    "font-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
  ].join('; ');
}

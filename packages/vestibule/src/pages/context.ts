// What every page handler needs: the resolved options and collaborators (built once), and the
// per-request scope (request id, CSP nonce, cookies).
import { randomBytes } from 'node:crypto';
import type { Logger } from '../lib/logger.ts';
import { resolvePublicOrigin } from '../proxy/public-origin.ts';
import type { FlowContext } from './flow-context.ts';
import type { PagesKratosClient } from './kratos.ts';
import type { ResolvedPagesOptions } from './options.ts';
import type { RestartBreaker } from './restart-breaker.ts';
import type { PageResult } from './respond.ts';
import type { Routes } from './routes.ts';
import { renderErrorPage } from './ui/pages.ts';
import { httpURL, sameOriginPath } from './ui/safe-url.ts';
import type { PageTextKey, Texts } from './ui/texts.ts';

export interface PagesDeps {
  options: ResolvedPagesOptions;
  routes: Routes;
  kratos: PagesKratosClient;
  breaker: RestartBreaker;
  /** What each flow was started with, remembered for restarts. */
  flowContext: FlowContext;
  texts: Texts;
  /** URLs Kratos wrote for itself, as the browser at `publicOrigin` must see them (the proxy's rewriter). */
  sameOrigin(publicOrigin: string): (url: string) => string;
  stylesheetHref: string;
}

export interface RequestScope {
  request: Request;
  url: URL;
  requestId: string;
  log: Logger;
  nonce: string;
  /** The browser-visible origin; https there means cookies we set get `Secure`. */
  publicOrigin: string;
  secure: boolean;
  cookie: string | null;
  toSameOrigin: (url: string) => string;
}

export function newScope(
  deps: PagesDeps,
  request: Request,
  requestId: string,
  log: Logger,
): RequestScope {
  const url = new URL(request.url);
  const origin = resolvePublicOrigin(request, url, {
    publicOrigin: deps.options.publicOrigin,
    trustForwardedHeaders: deps.options.trustForwardedHeaders,
  });
  return {
    request,
    url,
    requestId,
    log,
    nonce: randomBytes(16).toString('base64'),
    publicOrigin: origin.origin,
    secure: origin.protocol === 'https:',
    cookie: request.headers.get('cookie'),
    toSameOrigin: deps.sameOrigin(origin.origin),
  };
}

export function chromeOf(deps: PagesDeps, scope: RequestScope) {
  return {
    texts: deps.texts,
    theme: deps.options.theme,
    nonce: scope.nonce,
    lang: deps.options.lang,
    stylesheetHref: deps.stylesheetHref,
  };
}

export function errorResult(
  deps: PagesDeps,
  scope: RequestScope,
  status: number,
  message: string,
  cookies: string[] = [],
  /** The obvious next step, shown before "start again" and "home". */
  primary?: { href: string; key: PageTextKey },
): PageResult {
  const links: Array<{ href: string; key: PageTextKey }> = [
    ...(primary ? [primary] : []),
    { href: deps.routes.page('login'), key: 'vestibule.link.restart' },
    { href: deps.options.defaultReturnTo, key: 'vestibule.link.home' },
  ];
  const body = renderErrorPage({
    ...chromeOf(deps, scope),
    message,
    requestId: scope.requestId,
    links,
  });
  return { kind: 'html', status, body, nonce: scope.nonce, cookies };
}

/** Locations we send browsers to: same-origin paths or http(s) URLs, never `javascript:` and friends. */
export function safeLocation(location: string, fallback: string): string {
  return (location.startsWith('/') ? sameOriginPath(location) : httpURL(location)) ?? fallback;
}

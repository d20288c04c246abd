// createSelfServicePages: a framework-free Web-standard handler for the self-service pages.
// `(request) => Promise<Response | null>`: null means "not a page path", so callers can chain it.
import { createHash } from 'node:crypto';
import { VestibuleError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { requestIdFrom } from '../lib/request-id.ts';
import { errorResult, newScope, type PagesDeps, type RequestScope } from './context.ts';
import { handleErrorPage } from './error-page.ts';
import { createFlowContext } from './flow-context.ts';
import { handleFlowPage } from './flow-page.ts';
import { createPagesKratosClient } from './kratos.ts';
import { handleLogoutPage } from './logout-page.ts';
import { resolvePagesOptions, type SelfServicePagesOptions } from './options.ts';
import { toResponse, type PageResult } from './respond.ts';
import { createRestartBreaker } from './restart-breaker.ts';
import { createRoutes, STYLESHEET_PATH, type PageName } from './routes.ts';
import { toKratosBase, URLRewriter } from '../proxy/url-rewriter.ts';
import type { ResolvedPagesOptions } from './options.ts';
import { STYLESHEET } from './ui/stylesheet.ts';
import { createTexts } from './ui/texts.ts';

export interface PagesRequestContext {
  /** The edge's request id (else taken from a sane `x-request-id` or minted). */
  requestId?: string;
  log?: Logger;
}

export interface SelfServicePages {
  (request: Request, context?: PagesRequestContext): Promise<Response | null>;
  /** Whether a pathname belongs to the pages (for routers that decide before calling). */
  matches(pathname: string): boolean;
  /** The shell other server-rendered pages share (the OAuth2 consent page): theme, stylesheet, texts. */
  readonly chrome: PagesChrome;
}

export interface PagesChrome {
  theme: ResolvedPagesOptions['theme'];
  stylesheetHref: string;
  texts: PagesDeps['texts'];
  lang: string;
}

export function createSelfServicePages(options: SelfServicePagesOptions): SelfServicePages {
  const resolved = resolvePagesOptions(options);
  const routes = createRoutes(resolved.basePath, resolved.proxyPrefix);
  const stylesheetHash = createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12);
  const deps: PagesDeps = {
    options: resolved,
    routes,
    kratos: createPagesKratosClient({
      basePath: resolved.kratosPublicURL,
      fetch: resolved.fetch,
      timeoutMs: resolved.timeoutMs,
    }),
    breaker: createRestartBreaker({
      secret: resolved.secret,
      limit: resolved.restartLimit,
      windowMs: resolved.restartWindowMs,
      now: resolved.now,
      cookiePath: '/',
    }),
    flowContext: createFlowContext({ secret: resolved.secret, now: resolved.now }),
    texts: createTexts(resolved.translations),
    sameOrigin: sameOriginFor(resolved),
    stylesheetHref: `${resolved.basePath}${STYLESHEET_PATH}?v=${stylesheetHash}`,
  };
  const imgSources = resolved.theme.logoURL?.startsWith('https://')
    ? [new URL(resolved.theme.logoURL).origin]
    : [];

  const handler = async (
    request: Request,
    context: PagesRequestContext = {},
  ): Promise<Response | null> => {
    const url = new URL(request.url);
    const page = routes.match(url.pathname);
    if (!page) return null;
    const requestId = context.requestId ?? requestIdFrom(request.headers);
    const head = request.method === 'HEAD';
    if (request.method !== 'GET' && !head)
      return toResponse({ kind: 'method_not_allowed' }, { requestId, head, imgSources });
    if (page === 'stylesheet') {
      const result: PageResult = {
        kind: 'asset',
        body: STYLESHEET,
        contentType: 'text/css; charset=utf-8',
        immutable: url.searchParams.get('v') === stylesheetHash,
      };
      return toResponse(result, { requestId, head, imgSources });
    }
    const scope = newScope(
      deps,
      request,
      requestId,
      (context.log ?? resolved.logger).child({ request_id: requestId, page }),
    );
    return toResponse(await runPage(page, deps, scope), { requestId, head, imgSources });
  };
  return Object.assign(handler, {
    matches: (pathname: string) => routes.match(pathname) !== undefined,
    chrome: Object.freeze({
      theme: resolved.theme,
      stylesheetHref: deps.stylesheetHref,
      texts: deps.texts,
      lang: resolved.lang,
    }),
  });
}

async function runPage(page: PageName, deps: PagesDeps, scope: RequestScope): Promise<PageResult> {
  try {
    switch (page) {
      case 'logout':
        return await handleLogoutPage(deps, scope);
      case 'error':
        return await handleErrorPage(deps, scope);
      default:
        return await handleFlowPage(page, deps, scope);
    }
  } catch (err) {
    // Kratos down, slow, or answering nonsense: a page with the request id; the details go to the log.
    const status = err instanceof VestibuleError ? err.status : 500;
    scope.log.error('self-service page failed', { error: err, cause: (err as Error)?.cause });
    const key =
      err instanceof VestibuleError &&
      err.code.startsWith('KRATOS_') &&
      err.code !== 'KRATOS_BAD_RESPONSE'
        ? 'vestibule.error.unavailable'
        : 'vestibule.error.generic';
    return errorResult(deps, scope, status >= 500 ? status : 500, deps.texts.page(key));
  }
}

/**
 * The proxy's URL rewriter (src/proxy), so pages and proxy agree on what is a Kratos URL. Flows are
 * fetched from Kratos directly, so a relative URL in them is relative to Kratos: it is resolved against
 * the Kratos URL first (the proxy's Location rule), then mapped onto `<publicOrigin><proxyPrefix>`.
 */
function sameOriginFor(
  options: ResolvedPagesOptions,
): (publicOrigin: string) => (url: string) => string {
  const rewriter = new URLRewriter({
    bases: options.kratosURLs.map((u) => toKratosBase(new URL(u))),
    inClusterHost: options.inClusterHost,
    prefix: options.proxyPrefix,
  });
  const kratosBase = options.kratosPublicURL + '/';
  return (publicOrigin) => (url) => rewriter.rewriteLocation(url, kratosBase, publicOrigin);
}

// createOAuth2Pages: the edge as Hydra's login, consent and logout app, plus the page Hydra's
// `urls.error` points at. A Web-standard mount: `matches(pathname)` and `handle(request, context)`.
import { VestibuleError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import { toResponse, type PageResult } from '../pages/respond.ts';
import { createWhoami } from '../session/whoami.ts';
import { showConsent, submitConsent } from './consent.ts';
import {
  errorPage,
  newScope,
  type OAuth2Deps,
  type OAuth2PagesOptions,
  type OAuth2Scope,
} from './context.ts';
import { createFormCSRF } from './csrf.ts';
import { createHydraAdmin } from './hydra-admin.ts';
import { handleLogin } from './login.ts';
import { showLogout, submitLogout } from './logout.ts';

export type { OAuth2PagesOptions } from './context.ts';

const PATHS = new Set(['/oauth2/login', '/oauth2/consent', '/oauth2/logout', '/oauth2/error']);
const POSTABLE = new Set(['/oauth2/consent', '/oauth2/logout']);
/** A consent or logout form is two hidden fields and a button; anything bigger is not ours. */
const MAX_FORM_BYTES = 32 * 1024;
/** The embedded OAuth2 server is up within seconds of the edge. */
const RETRY_AFTER_SECONDS = 2;

export interface OAuth2Pages {
  matches(pathname: string): boolean;
  handle(request: Request, context: { requestId: string; log: Logger }): Promise<Response>;
}

export function createOAuth2Pages(options: OAuth2PagesOptions): OAuth2Pages {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const deps: OAuth2Deps = {
    options: {
      ...options,
      loginPath: options.loginPath ?? '/login',
      homeURL: options.homeURL ?? '/',
      sessionCookieName: options.sessionCookieName ?? 'ory_kratos_session',
      timeoutMs,
      rememberConsentForSeconds: options.rememberConsentForSeconds ?? 30 * 24 * 3600,
      lang: options.lang ?? 'en',
    },
    hydra: createHydraAdmin({
      adminURL: options.hydraAdminURL,
      timeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    }),
    whoami: createWhoami({
      kratosPublicURL: options.kratosPublicURL,
      timeoutMs,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    }),
    scopeDescriptions: new Map(Object.entries(options.scopeDescriptions ?? {})),
    csrf: createFormCSRF(options.secret),
    now: options.now ?? Date.now,
  };
  const imgSources = options.theme.logoURL?.startsWith('https://')
    ? [new URL(options.theme.logoURL).origin]
    : [];
  return {
    matches: (pathname) => PATHS.has(pathname),
    async handle(request, context) {
      const url = new URL(request.url);
      const head = request.method === 'HEAD';
      const respond = (result: PageResult) =>
        toResponse(result, { requestId: context.requestId, head, imgSources });
      const allowed =
        request.method === 'GET' ||
        head ||
        (request.method === 'POST' && POSTABLE.has(url.pathname));
      if (!allowed) return respond({ kind: 'method_not_allowed' });
      const scope = newScope(
        deps,
        request,
        context.requestId,
        context.log.child({ component: 'oauth2' }),
      );
      if (options.starting?.()) return stillStarting(deps, scope, respond);
      return respond(await run(deps, scope, url.pathname));
    },
  };
}

async function run(deps: OAuth2Deps, scope: OAuth2Scope, path: string): Promise<PageResult> {
  try {
    if (scope.request.method === 'POST') {
      const form = await readForm(scope.request);
      if (!form) return errorPage(deps, scope, 400, 'The form could not be read.');
      return path === '/oauth2/consent'
        ? await submitConsent(deps, scope, form)
        : await submitLogout(deps, scope, form);
    }
    switch (path) {
      case '/oauth2/login':
        return await handleLogin(deps, scope);
      case '/oauth2/consent':
        return await showConsent(deps, scope);
      case '/oauth2/logout':
        return await showLogout(deps, scope);
      default:
        return showHydraError(deps, scope);
    }
  } catch (err) {
    const known = err instanceof VestibuleError;
    scope.log[known && err.status < 500 ? 'warn' : 'error']('oauth2 page failed', {
      error: err,
      cause: (err as Error)?.cause,
    });
    return errorPage(
      deps,
      scope,
      known ? err.status : 500,
      known ? err.publicMessage : 'Something went wrong.',
    );
  }
}

/** Hydra is not up yet (the dev stack starts it after the edge): a clear, retryable answer. */
function stillStarting(
  deps: OAuth2Deps,
  scope: OAuth2Scope,
  respond: (result: PageResult) => Response,
): Response {
  scope.log.info('oauth2 page asked for while the oauth2 server is starting');
  const response = respond(
    errorPage(
      deps,
      scope,
      503,
      'The sign-in service is still starting. Please try again in a few seconds.',
    ),
  );
  response.headers.set('retry-after', String(RETRY_AFTER_SECONDS));
  return response;
}

/** Hydra's `urls.error?error=…&error_description=…`: shown, escaped, with our request id. */
function showHydraError(deps: OAuth2Deps, scope: OAuth2Scope): PageResult {
  const error = scope.url.searchParams.get('error')?.slice(0, 200) ?? 'error';
  const description = scope.url.searchParams.get('error_description')?.slice(0, 1000);
  scope.log.warn('oauth2 error shown', { error, description });
  return errorPage(
    deps,
    scope,
    400,
    description ? `${description} (${error})` : `The sign-in request failed (${error}).`,
  );
}

async function readForm(request: Request): Promise<URLSearchParams | null> {
  if (!(request.headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded'))
    return null;
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_FORM_BYTES) return null;
  const text = await request.text();
  return text.length > MAX_FORM_BYTES ? null : new URLSearchParams(text);
}

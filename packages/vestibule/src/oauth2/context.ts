// What the OAuth2 provider pages need, built once (options, Hydra and Kratos clients, CSRF, chrome)
// and per request (nonce, origin, cookies, request id).
import { randomBytes } from 'node:crypto';
import type { Logger } from '../lib/logger.ts';
import type { FetchLike } from '../lib/outbound.ts';
import type { PageResult } from '../pages/respond.ts';
import { renderErrorPage } from '../pages/ui/pages.ts';
import type { Theme } from '../pages/ui/layout.ts';
import type { Texts } from '../pages/ui/texts.ts';
import type { WhoamiFunction } from '../session/whoami.ts';
import type { FormCSRF } from './csrf.ts';
import type { HydraAdmin } from './hydra-admin.ts';
import type { Chrome } from './render.ts';

export interface OAuth2PagesOptions {
  hydraAdminURL: string;
  kratosPublicURL: string;
  /** Reads identities for consent claims when the browser's session is another identity's. */
  kratosAdminURL?: string;
  /** The edge's public origin (return URLs back to /oauth2/login). */
  publicOrigin: string;
  /** Derives the form-CSRF and re-login marker keys (the edge's header secret). */
  secret: Buffer;
  theme: Theme;
  stylesheetHref: string;
  texts: Texts;
  lang?: string;
  sessionCookieName?: string;
  timeoutMs?: number;
  /** Hydra's `remember_for` for a remembered consent, in seconds (0: until revoked). */
  rememberConsentForSeconds?: number;
  /** Scope → how the consent page words it (`hydra.scope_descriptions`); others: the defaults. */
  scopeDescriptions?: Readonly<Record<string, string>>;
  /** Where to send the browser to sign in (the edge's login page). */
  loginPath?: string;
  homeURL?: string;
  logger: Logger;
  fetch?: FetchLike;
  now?: () => number;
  /** True while Hydra is known to be still starting: the pages answer 503 (with Retry-After)
   * instead of a connection error. */
  starting?: () => boolean;
  /** Told when a logout accepted here ended the Kratos session (evicts the gateway's cache). */
  onSessionEnded?: (event: {
    cookie: string;
    sessionId: string;
    requestId: string;
  }) => Promise<void>;
}

export interface OAuth2Deps {
  options: Required<
    Pick<
      OAuth2PagesOptions,
      | 'publicOrigin'
      | 'loginPath'
      | 'homeURL'
      | 'sessionCookieName'
      | 'timeoutMs'
      | 'rememberConsentForSeconds'
      | 'lang'
    >
  > &
    OAuth2PagesOptions;
  hydra: HydraAdmin;
  /** `options.scopeDescriptions` as a Map (a record's prototype must never answer a lookup). */
  scopeDescriptions: ReadonlyMap<string, string>;
  whoami: WhoamiFunction;
  csrf: FormCSRF;
  now: () => number;
}

export interface OAuth2Scope {
  request: Request;
  url: URL;
  requestId: string;
  log: Logger;
  nonce: string;
  secure: boolean;
  cookie: string | null;
}

export function newScope(
  deps: OAuth2Deps,
  request: Request,
  requestId: string,
  log: Logger,
): OAuth2Scope {
  return {
    request,
    url: new URL(request.url),
    requestId,
    log,
    nonce: randomBytes(16).toString('base64'),
    secure: deps.options.publicOrigin.startsWith('https://'),
    cookie: request.headers.get('cookie'),
  };
}

export function chromeOf(deps: OAuth2Deps, scope: OAuth2Scope): Chrome {
  return {
    theme: deps.options.theme,
    nonce: scope.nonce,
    stylesheetHref: deps.options.stylesheetHref,
    lang: deps.options.lang,
  };
}

export function errorPage(
  deps: OAuth2Deps,
  scope: OAuth2Scope,
  status: number,
  message: string,
): PageResult {
  const body = renderErrorPage({
    ...chromeOf(deps, scope),
    texts: deps.options.texts,
    message,
    requestId: scope.requestId,
    links: [{ href: deps.options.homeURL, key: 'vestibule.link.home' }],
  });
  return { kind: 'html', status, body, nonce: scope.nonce };
}

/** A query or form value, or null; challenges longer than Hydra ever issues are refused. */
export function challengeParam(values: URLSearchParams, name: string): string | null {
  const value = values.get(name);
  return value && value.length <= 8192 ? value : null;
}

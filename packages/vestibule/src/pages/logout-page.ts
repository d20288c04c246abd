// /logout: ask Kratos for a logout URL with the browser's session cookie and send the browser there
// (through the proxy) when the user navigated here from this site; otherwise confirm with one click.
// Kratos answers 401 without a session: then there is nothing to end → /login.
import {
  chromeOf,
  errorResult,
  safeLocation,
  type PagesDeps,
  type RequestScope,
} from './context.ts';
import { errorIdOf, safeReturnTo } from './flow-errors.ts';
import type { PageResult } from './respond.ts';
import { renderLogoutConfirm } from './ui/pages.ts';

export async function handleLogoutPage(deps: PagesDeps, scope: RequestScope): Promise<PageResult> {
  const returnTo = scope.url.searchParams.get('return_to') ?? undefined;
  let result = await deps.kratos.createLogoutFlow(scope.cookie ?? undefined, returnTo);
  if (!result.ok && errorIdOf(result.body) === 'self_service_flow_return_to_forbidden') {
    result = await deps.kratos.createLogoutFlow(scope.cookie ?? undefined, undefined);
  }
  if (result.ok) {
    const logoutURL = (result.body as { logout_url?: unknown } | undefined)?.logout_url;
    if (typeof logoutURL === 'string' && logoutURL) {
      const location = safeLocation(scope.toSameOrigin(logoutURL), deps.routes.page('login'));
      if (isOwnNavigation(scope.request.headers)) return { kind: 'redirect', location };
      // Anything else could be a forged request (logout CSRF): an <img src="/logout"> in user content,
      // a link on another site, a prefetch, or a browser that sends no Fetch Metadata (plain http).
      // One click on the confirmation ends the session: its link carries Kratos's logout token, which
      // only this page's reader sees.
      const body = renderLogoutConfirm({
        ...chromeOf(deps, scope),
        logoutHref: location,
        cancelHref: deps.options.defaultReturnTo,
      });
      return { kind: 'html', status: 200, body, nonce: scope.nonce };
    }
    scope.log.error('kratos logout flow without logout_url');
    return errorResult(deps, scope, 502, deps.texts.page('vestibule.error.generic'));
  }
  if (result.status === 401) {
    // No session: already signed out. Go where the user was headed if it is on this origin.
    return {
      kind: 'redirect',
      location: returnTo
        ? safeReturnTo(scope.url, deps.routes.page('login'))
        : deps.routes.page('login'),
    };
  }
  scope.log.warn('kratos refused the logout flow', {
    status: result.status,
    reason: errorIdOf(result.body),
  });
  return errorResult(
    deps,
    scope,
    result.status >= 500 ? 502 : result.status,
    deps.texts.page('vestibule.error.generic'),
  );
}

/**
 * A top-level navigation the user made on this site (a link on our pages, the address bar): the
 * only request that may end the session without a click. Fetch Metadata says so; without it (older
 * browsers, plain-http origins) we cannot tell, so the user confirms.
 */
function isOwnNavigation(headers: Headers): boolean {
  const site = headers.get('sec-fetch-site');
  return (
    (site === 'same-origin' || site === 'none') &&
    headers.get('sec-fetch-mode') === 'navigate' &&
    headers.get('sec-fetch-dest') === 'document'
  );
}

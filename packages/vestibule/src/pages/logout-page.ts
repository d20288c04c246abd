// /logout: ask Kratos for a logout URL with the browser's session cookie and send the browser there
// (through the proxy). Kratos answers 401 without a session: then there is nothing to end → /login.
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
  // A link on another site must not sign users out silently (logout CSRF): confirm with one click.
  // Fetch Metadata is sent by all current browsers; without it we proceed, as Kratos's own UIs do.
  const site = scope.request.headers.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') {
    const body = renderLogoutConfirm({
      ...chromeOf(deps, scope),
      logoutHref: deps.routes.page('logout', { return_to: returnTo }),
      cancelHref: deps.options.defaultReturnTo,
    });
    return { kind: 'html', status: 200, body, nonce: scope.nonce };
  }

  let result = await deps.kratos.createLogoutFlow(scope.cookie ?? undefined, returnTo);
  if (!result.ok && errorIdOf(result.body) === 'self_service_flow_return_to_forbidden') {
    result = await deps.kratos.createLogoutFlow(scope.cookie ?? undefined, undefined);
  }
  if (result.ok) {
    const logoutURL = (result.body as { logout_url?: unknown } | undefined)?.logout_url;
    if (typeof logoutURL === 'string' && logoutURL) {
      return {
        kind: 'redirect',
        location: safeLocation(scope.toSameOrigin(logoutURL), deps.routes.page('login')),
      };
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

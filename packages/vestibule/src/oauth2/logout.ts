// /oauth2/logout?logout_challenge=…: Hydra's logout app. A confirmation page (skipped for clients
// with `skip_logout_consent`) whose form posts back here under CSRF. Accepting ends the Kratos
// session too (Kratos's own browser logout flow, with the browser's cookie), then sends the browser
// to Hydra, which ends its session and returns to the client's post_logout_redirect_uri.
import { callOutbound } from '../lib/outbound.ts';
import type { PageResult } from '../pages/respond.ts';
import {
  challengeParam,
  chromeOf,
  errorPage,
  type OAuth2Deps,
  type OAuth2Scope,
} from './context.ts';
import { browserSession } from './login.ts';
import { renderLogoutPage } from './render.ts';

/** Ends the browser's Kratos session; returns the cookie that clears it in the browser. */
async function endKratosSession(deps: OAuth2Deps, scope: OAuth2Scope): Promise<string[]> {
  const session = await browserSession(deps, scope);
  if (!session || !scope.cookie) return [];
  const base = deps.options.kratosPublicURL.replace(/\/+$/, '');
  const outbound = {
    fetch: deps.options.fetch,
    timeoutMs: deps.options.timeoutMs,
    service: 'kratos logout',
  };
  const flow = await callOutbound(
    `${base}/self-service/logout/browser`,
    { headers: { accept: 'application/json', cookie: scope.cookie } },
    outbound,
  );
  if (flow.status !== 200) {
    await flow.body?.cancel();
    scope.log.warn('kratos refused the logout flow', { status: flow.status });
    return [];
  }
  const { logout_token: token } = (await flow.json()) as { logout_token?: string };
  if (!token) return [];
  const done = await callOutbound(
    `${base}/self-service/logout?token=${encodeURIComponent(token)}`,
    { headers: { accept: 'application/json', cookie: scope.cookie } },
    outbound,
  );
  await done.body?.cancel();
  await deps.options.onSessionEnded?.({
    cookie: scope.cookie,
    sessionId: session.id,
    requestId: scope.requestId,
  });
  const secure = scope.secure ? '; Secure' : '';
  return [`${deps.options.sessionCookieName}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure}`];
}

async function accept(
  deps: OAuth2Deps,
  scope: OAuth2Scope,
  challenge: string,
): Promise<PageResult> {
  const location = await deps.hydra.acceptLogout(challenge);
  const cookies = await endKratosSession(deps, scope);
  return { kind: 'redirect', location, cookies };
}

export async function showLogout(deps: OAuth2Deps, scope: OAuth2Scope): Promise<PageResult> {
  const challenge = challengeParam(scope.url.searchParams, 'logout_challenge');
  if (!challenge) return errorPage(deps, scope, 400, 'The sign-out request is missing.');
  const request = await deps.hydra.getLogoutRequest(challenge);
  if (request.client?.skip_logout_consent === true) return accept(deps, scope, challenge);
  const csrf = deps.csrf.issue(scope.cookie, challenge, scope.secure);
  const body = renderLogoutPage({
    ...chromeOf(deps, scope),
    ...(request.client
      ? { clientName: request.client.client_name || request.client.client_id }
      : {}),
    challenge,
    csrfToken: csrf.token,
    action: '/oauth2/logout',
  });
  return {
    kind: 'html',
    status: 200,
    body,
    nonce: scope.nonce,
    ...(csrf.setCookie ? { cookies: [csrf.setCookie] } : {}),
  };
}

export async function submitLogout(
  deps: OAuth2Deps,
  scope: OAuth2Scope,
  form: URLSearchParams,
): Promise<PageResult> {
  const challenge = challengeParam(form, 'logout_challenge');
  if (!challenge || !deps.csrf.verify(scope.cookie, challenge, form.get('csrf_token'))) {
    scope.log.warn('logout form refused: missing challenge or CSRF token mismatch');
    return errorPage(
      deps,
      scope,
      403,
      'This form has expired. Please start again from the application.',
    );
  }
  if (form.get('action') === 'accept') return accept(deps, scope, challenge);
  // Hydra answers a reject with 204 and no redirect: where to go is ours to decide.
  await deps.hydra.rejectLogout(challenge);
  return { kind: 'redirect', location: deps.options.homeURL };
}

// /oauth2/login?login_challenge=…: Hydra's login app. Hydra remembers the subject (`skip`) → accept
// at once. A Kratos session, and nothing demands a fresh login → accept with subject = identity id,
// acr/amr from the session. Otherwise: the edge's login page, coming back here afterwards. A
// re-login Hydra demanded (prompt=login, max_age) counts only if it happened after we asked for it;
// the time we asked travels signed in the return URL, so a link cannot claim it.
import { readCookie } from '../lib/cookies.ts';
import { createCookieSigner } from '../pages/cookie-signer.ts';
import type { PageResult } from '../pages/respond.ts';
import type { KratosSession } from '../session/types.ts';
import { SessionRefused } from '../session/whoami.ts';
import { authenticationContext } from './claims.ts';
import { challengeParam, errorPage, type OAuth2Deps, type OAuth2Scope } from './context.ts';
import type { LoginRequest } from './hydra-admin.ts';

export async function browserSession(
  deps: OAuth2Deps,
  scope: OAuth2Scope,
): Promise<KratosSession | null> {
  const value = readCookie(scope.cookie, deps.options.sessionCookieName);
  if (!value) return null;
  try {
    return await deps.whoami({ kind: 'cookie', value });
  } catch (err) {
    // aal2 required: the session may not vouch yet; the login page finishes the second factor.
    if (err instanceof SessionRefused) return null;
    throw err;
  }
}

/** prompt=login, or a max_age the session's authentication is older than. */
function demandsLogin(request: LoginRequest, session: KratosSession, now: number): boolean {
  const params = URL.canParse(request.request_url)
    ? new URL(request.request_url).searchParams
    : new URLSearchParams();
  if ((params.get('prompt') ?? '').split(' ').includes('login')) return true;
  const maxAge = params.get('max_age');
  if (maxAge !== null && /^\d+$/.test(maxAge)) {
    const at = Date.parse(session.authenticated_at ?? '');
    return !Number.isFinite(at) || now - at > Number(maxAge) * 1000;
  }
  return false;
}

export async function handleLogin(deps: OAuth2Deps, scope: OAuth2Scope): Promise<PageResult> {
  const challenge = challengeParam(scope.url.searchParams, 'login_challenge');
  if (!challenge)
    return errorPage(
      deps,
      scope,
      400,
      'The sign-in request is missing. Please start again from the application.',
    );
  const request = await deps.hydra.getLoginRequest(challenge);
  if (request.skip) {
    return {
      kind: 'redirect',
      location: await deps.hydra.acceptLogin(challenge, { subject: request.subject }),
    };
  }
  const session = await browserSession(deps, scope);
  const signer = createCookieSigner(deps.options.secret, 'vestibule oauth2 relogin');
  const asked = Number(scope.url.searchParams.get('asked_at') ?? NaN);
  const askedValid =
    Number.isFinite(asked) &&
    signer.verify(`${challenge}\n${asked}`, scope.url.searchParams.get('asked_sig') ?? '');
  if (session?.active) {
    const reauthenticated = askedValid && Date.parse(session.authenticated_at ?? '') >= asked;
    if (reauthenticated || !demandsLogin(request, session, deps.now())) {
      const { acr, amr } = authenticationContext(session);
      const location = await deps.hydra.acceptLogin(challenge, {
        subject: session.identity.id,
        remember: true,
        remember_for: 0,
        ...(acr ? { acr } : {}),
        amr,
        identity_provider_session_id: session.id,
      });
      return { kind: 'redirect', location };
    }
  }
  // Sign in (again) on the edge's login page, then come back here.
  const now = Math.floor(deps.now() / 1000) * 1000;
  const back = new URL('/oauth2/login', deps.options.publicOrigin);
  back.searchParams.set('login_challenge', challenge);
  back.searchParams.set('asked_at', String(now));
  back.searchParams.set('asked_sig', signer.sign(`${challenge}\n${now}`));
  const login = new URL(deps.options.loginPath, deps.options.publicOrigin);
  login.searchParams.set('return_to', back.href);
  if (session?.active) login.searchParams.set('refresh', 'true');
  return { kind: 'redirect', location: `${login.pathname}${login.search}` };
}

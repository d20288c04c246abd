// What a request without a usable session gets, shared by the gateway and requireUser so the two
// cannot answer the same condition differently: browsers go to the login page (loop-guarded),
// everyone who cannot follow a login page gets the refusal as JSON or a small page.
import type { HeaderReader } from '../session/credential.ts';
import { checkLoginLoop } from './login-loop.ts';
import {
  loginRedirectDecision,
  secondFactorRequiredDecision,
  sessionNotVisibleDecision,
  sessionRequiredDecision,
  type Decision,
} from './decision.ts';

/**
 * A login URL is a same-origin path (`/login`) or an absolute http(s) URL (a login on another origin,
 * stated in full). `//host/x` and `/\\host/x` read as paths but browsers follow them off-site.
 */
export function isValidLoginURL(loginURL: unknown): loginURL is string {
  if (typeof loginURL !== 'string') return false;
  if (loginURL.startsWith('/')) return !/^\/[/\\]/.test(loginURL);
  return URL.canParse(loginURL) && /^https?:$/.test(new URL(loginURL).protocol);
}

export interface LoginRedirectInput {
  headers: HeaderReader;
  requestId: string;
  /** The caller's `wantsHTML(headers)`: API clients cannot follow a login page. */
  html: boolean;
  /** The request's path as the caller routes it, compared with the login page's path. */
  path: string;
  loginURL: string;
  /** Kratos wants the second factor (whoami 403 `session_aal2_required`): ask for `aal=aal2`. */
  secondFactor: boolean;
  /** The absolute URL the browser asked for (return_to); called only when a redirect is built. */
  returnTo: () => string;
}

export function loginRedirectOrRefusal(input: LoginRedirectInput): Decision {
  const { requestId, html } = input;
  // Never redirect the login page to itself. Only the path matters, so any base resolves it.
  if (!html || input.path === new URL(input.loginURL, 'http://edge.invalid').pathname) {
    return input.secondFactor
      ? secondFactorRequiredDecision({ requestId, html })
      : sessionRequiredDecision({ requestId, html });
  }
  const returnTo = input.returnTo();
  const loop = checkLoginLoop(input.headers, { secure: returnTo.startsWith('https:') });
  if (loop.exceeded) return sessionNotVisibleDecision({ requestId, html });
  return loginRedirectDecision(
    input.loginURL,
    returnTo,
    requestId,
    { 'set-cookie': loop.setCookie },
    input.secondFactor ? { aal: 'aal2' } : {},
  );
}

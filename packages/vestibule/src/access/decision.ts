// Deny decisions as data (status, headers, body), built once into a Web Response or written to a
// Node response by the gateway. Browsers get a small HTML page or a 303; APIs get JSON.
import { errorBody, type ErrorDetails } from '../lib/error-body.ts';
import type { HeaderReader } from '../session/credential.ts';

export interface Decision {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

/**
 * Browser or API? A navigation or an Accept that asks for HTML is a browser, unless the request
 * authenticates like an API client (session token) or says it is XHR: those must get JSON, since a
 * redirect to a login page is useless to them.
 */
export function wantsHTML(headers: HeaderReader): boolean {
  if (headers.get('x-session-token') || /^bearer\s/i.test(headers.get('authorization') ?? '')) {
    return false;
  }
  if ((headers.get('x-requested-with') ?? '').toLowerCase() === 'xmlhttprequest') return false;
  if (headers.get('sec-fetch-mode') === 'navigate') return true;
  const accept = headers.get('accept') ?? '';
  return accept.includes('text/html');
}

/** What to refuse with (code, status, message, request id), and for whom. */
export interface DenyInput extends ErrorDetails {
  html: boolean;
  headers?: Record<string, string | string[]>;
}

/** A refusal in the one error body shape (lib/error-body.ts), plus the caller's extra headers. */
export function denyDecision(input: DenyInput): Decision {
  const { headers, body } = errorBody(input, input.html);
  return { status: input.status, headers: { ...headers, ...input.headers }, body };
}

/**
 * Kratos knows the session but wants the second factor (whoami 403 `session_aal2_required`), and
 * the caller cannot be sent to `/login?aal=aal2` (an API client, or already on the login page).
 * One builder for the gateway and requireUser, so status, code and message cannot drift apart.
 */
export function secondFactorRequiredDecision(input: {
  requestId: string;
  html: boolean;
}): Decision {
  return denyDecision({
    status: 403,
    code: 'SESSION_AAL2_REQUIRED',
    message: 'A second factor is required. Finish signing in to continue.',
    ...input,
  });
}

/**
 * No session (Kratos 401, or the edge signed "anonymous") and the caller cannot be sent to the
 * login page (an API client, or already on the login page). One builder for the gateway and
 * requireUser, so status, code and message cannot drift apart.
 */
export function sessionRequiredDecision(input: { requestId: string; html: boolean }): Decision {
  return denyDecision({
    status: 401,
    code: 'SESSION_REQUIRED',
    message: 'Please sign in to continue.',
    ...input,
  });
}

/**
 * The login-loop guard tripped (checkLoginLoop): the browser keeps coming back from the login page
 * without a session we can see, so say what is likely wrong instead of redirecting again.
 * One builder for the gateway and requireUser.
 */
export function sessionNotVisibleDecision(input: { requestId: string; html: boolean }): Decision {
  return denyDecision({
    status: 401,
    code: 'SESSION_NOT_VISIBLE',
    message: 'We could not confirm your sign-in. Check that cookies are enabled and try again.',
    ...input,
  });
}

/**
 * Signed in, but the rule (a role, a permission) does not let this user in. One builder for the
 * gateway and requireRole.
 */
export function forbiddenDecision(input: { requestId: string; html: boolean }): Decision {
  return denyDecision({
    status: 403,
    code: 'FORBIDDEN',
    message: 'You do not have access to this page.',
    ...input,
  });
}

/**
 * Identity could not be established (Kratos down or slow, the profile store failing) on a route
 * that needs it: fail closed with a 503, never pass. One builder for the gateway and requireUser.
 */
export function identityUnavailableDecision(input: { requestId: string; html: boolean }): Decision {
  return denyDecision({
    status: 503,
    code: 'IDENTITY_UNAVAILABLE',
    message: 'Sign-in is temporarily unavailable. Please try again shortly.',
    ...input,
  });
}

/**
 * A request target that cannot be matched safely (encoded slash, `..;`, a path another router would
 * send to a different rule): refused, not guessed at. One builder for the gateway and the Next.js
 * middleware.
 */
export function badTargetDecision(input: { requestId: string; html: boolean }): Decision {
  return denyDecision({
    status: 400,
    code: 'BAD_REQUEST_TARGET',
    message: 'Bad request.',
    ...input,
  });
}

/**
 * 303 to the login page with `return_to` = the URL the browser asked for (absolute); `query` goes
 * before it (`aal=aal2` asks the login page for the second factor).
 */
export function loginRedirectDecision(
  loginURL: string,
  returnTo: string,
  requestId: string,
  extraHeaders: Record<string, string | string[]> = {},
  query: Record<string, string> = {},
): Decision {
  const separator = loginURL.includes('?') ? '&' : '?';
  let params = '';
  for (const [name, value] of Object.entries(query)) {
    params += `${encodeURIComponent(name)}=${encodeURIComponent(value)}&`;
  }
  params += `return_to=${encodeURIComponent(returnTo)}`;
  return {
    status: 303,
    headers: {
      location: `${loginURL}${separator}${params}`,
      'cache-control': 'no-store',
      'x-request-id': requestId,
      ...extraHeaders,
    },
    body: '',
  };
}

export function toResponse(decision: Decision): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(decision.headers)) {
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  return new Response(decision.status === 303 || decision.body === '' ? null : decision.body, {
    status: decision.status,
    headers,
  });
}

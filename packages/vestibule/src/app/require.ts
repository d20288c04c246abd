// requireUser / requireRole decisions. Loop safety, in both modes:
// - redirect to login only when identity is KNOWN to be absent (Kratos said 401, or the edge
//   signed "anonymous"); header mode without a valid edge signature answers 401 instead, since
//   the app cannot see the session and a redirect could bounce forever;
// - never redirect the login page to itself; stop after a few rounds (checkLoginLoop);
// - API clients (JSON, tokens, XHR) get 401/403 JSON, never a redirect.
import {
  denyDecision,
  forbiddenDecision,
  identityUnavailableDecision,
  toResponse,
  wantsHTML,
  type Decision,
} from '../access/decision.ts';
import { loginRedirectOrRefusal } from '../access/login-redirect.ts';
import { targetOf } from '../access/target.ts';
import type { AuthResult, IdentityRead, RequestLike, Settings } from './types.ts';

export type Requirement = { kind: 'user' } | { kind: 'role'; roles: readonly string[] };

export function decideRequirement(
  request: RequestLike,
  identity: IdentityRead,
  requirement: Requirement,
  settings: Settings & { requestId: string },
): AuthResult {
  const html = wantsHTML(request.headers);
  const { requestId } = settings;
  const refuse = (decision: Decision): AuthResult => ({
    user: null,
    response: toResponse(decision),
  });
  if (identity.kind === 'user') {
    if (requirement.kind === 'role' && !requirement.roles.includes(identity.user.role)) {
      return refuse(forbiddenDecision({ requestId, html }));
    }
    return { user: identity.user, response: null };
  }
  if (identity.kind === 'unknown') {
    if (identity.reason === 'unavailable') {
      return refuse(identityUnavailableDecision({ requestId, html }));
    }
    // No edge signature: the app cannot see the session, and a redirect could bounce forever.
    return refuse(
      denyDecision({
        status: 401,
        code: 'SESSION_REQUIRED',
        message: 'Please sign in through the site to continue.',
        requestId,
        html,
      }),
    );
  }
  const url = absoluteURL(request.url, request.headers, settings.publicURL);
  const decision = loginRedirectOrRefusal({
    headers: request.headers,
    requestId: settings.requestId,
    html,
    path: url.pathname,
    loginURL: settings.loginURL,
    // Direct mode: Kratos wants the second factor (whoami 403 session_aal2_required).
    secondFactor: identity.error === 'session_aal2_required',
    returnTo: () => url.toString(),
  });
  return refuse(decision);
}

function absoluteURL(url: string, headers: RequestLike['headers'], publicURL?: string): URL {
  const target = targetOf(url);
  if (publicURL) return new URL(new URL(publicURL).origin + target);
  if (/^https?:\/\//i.test(url)) return new URL(url);
  const host = headers.get('host') ?? '';
  const origin = /^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(host) ? `http://${host}` : 'http://localhost';
  return new URL(origin + target);
}

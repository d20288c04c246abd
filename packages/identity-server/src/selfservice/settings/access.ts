// Who may see and change a settings flow (Kratos selfservice/flow/settings/handler.go and
// error.go): a session is required (401 session_inactive, browsers go to login); it must belong
// to the flow's identity; and sensitive changes need a session authenticated within
// selfservice.flows.settings.privileged_session_max_age, else 403 session_refresh_required with
// `redirect_browser_to` a refresh login that returns to this settings flow.
import type { ServerContext } from '../../driver/context.ts';
import { KratosError } from '../../http/errors.ts';
import type { FlowRecord } from '../../persistence/types.ts';
import type { ResolvedSession } from '../../session/manager.ts';
import { publicURL, withQuery } from '../../http/url.ts';

/**
 * Kratos writes its session.ErrNoActiveSessionFound struct as it is: the herodot error under
 * `error` and the struct's exported `CredentialsMissing` beside it
 * (shared/ory/kratos/transcripts/settings.json#15).
 */
export function sessionInactive(): KratosError {
  return new KratosError(401, 'request does not have a valid authentication session', {
    id: 'session_inactive',
    reason: 'No active session was found in this request.',
    extra: { CredentialsMissing: false },
  });
}

/**
 * A settings flow fetched with another identity's session: Kratos settings/handler.go
 * getSettingsFlow answers 403 (shared/ory/kratos/transcripts/settings.json#11).
 */
export function fetchedBySomeoneElse(): KratosError {
  return new KratosError(403, 'The requested action was forbidden', {
    id: 'security_identity_mismatch',
    reason: 'The request was made for another identity and has been blocked for security reasons.',
  });
}

export function identityMismatch(): KratosError {
  return new KratosError(400, 'The request was malformed or contained invalid parameters', {
    id: 'security_identity_mismatch',
    reason: 'The flow was interrupted because the identity does not match the session.',
  });
}

/** Browser login init that comes back to `returnTo` afterwards (optionally as a refresh). */
export function loginRedirect(ctx: ServerContext, returnTo: string, refresh = false): string {
  const login = publicURL(ctx.config.serve.public.base_url, '/self-service/login/browser');
  return withQuery(login, { ...(refresh ? { refresh: 'true' } : {}), return_to: returnTo });
}

export function isPrivileged(ctx: ServerContext, session: ResolvedSession): boolean {
  const maxAge = ctx.config.selfservice.flows.settings.privileged_session_max_age_ms;
  return Date.parse(session.session.authenticated_at) + maxAge > ctx.clock.now().getTime();
}

/** Kratos settings.NewFlowNeedsReAuth, rendered with the refresh-login URL. */
export function refreshRequired(ctx: ServerContext, flow: FlowRecord): KratosError {
  return new KratosError(403, 'The requested action was forbidden', {
    id: 'session_refresh_required',
    reason:
      'The login session is too old and thus not allowed to update these fields. Please re-authenticate.',
    // Back to the submit URL (as Kratos: public URL + request path + query), where a browser's
    // remembered change is applied after the refresh login (continuity/store.ts).
    extra: {
      redirect_browser_to: loginRedirect(
        ctx,
        publicURL(ctx.config.serve.public.base_url, `/self-service/settings?flow=${flow.id}`),
        true,
      ),
    },
  });
}

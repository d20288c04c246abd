// Answers after a successful login or registration (Kratos login/hook.go PostLoginHook and
// hook/session_issuer.go): API flows get the session token in the body, browsers a cookie, and
// JSON browser clients a `redirect_browser_to` in continue_with instead of a 303.
import type { ServerContext } from '../../driver/context.ts';
import { json, redirect } from '../../http/respond.ts';
import type { FlowRecord, Identity, Session } from '../../persistence/types.ts';
import { sessionCookie } from '../../session/manager.ts';
import { publicIdentity, sessionToWire } from '../../session/wire.ts';
import type { CSRFIssue } from './csrf.ts';
import { afterReturnURL } from './return-to.ts';
import type { Submission } from './submission.ts';
import { acceptForFlow, challengeOfFlow } from './oauth2-login.ts';
import { browserLocationChangeRequired } from './location-change.ts';
import { forwardError } from '../errors/manager.ts';

export interface Outcome {
  flow: FlowRecord;
  identity: Identity;
  /** Absent when registration runs without the `session` hook. */
  issued?: { session: Session; token: string };
  /** Registration responses carry the identity beside the session. */
  includeIdentity: boolean;
  /** Items other hooks add (e.g. verification's show_verification_ui), before the redirect. */
  continueWith?: Array<Record<string, unknown>>;
  /** The regenerated CSRF secret to hand out (flows created for this response must match it). */
  csrfIssue?: CSRFIssue;
  /** Where a browser form post goes instead of the return URL (the show_verification_ui hook). */
  browserRedirect?: string;
}

export function returnToOf(ctx: ServerContext, flow: FlowRecord, method = 'password'): string {
  const returnTo = flow.body.return_to;
  return typeof returnTo === 'string' && returnTo
    ? returnTo
    : (afterReturnURL(ctx.config, flow.kind, method) ??
        ctx.config.selfservice.default_browser_return_url);
}

export async function successResponse(s: Submission, outcome: Outcome): Promise<Response> {
  const { ctx, csrf } = s;
  const { flow, identity, issued } = outcome;
  const body: Record<string, unknown> = {};
  const continueWith: Array<Record<string, unknown>> = [];
  if (issued) body.session = sessionToWire(ctx, issued.session, identity);
  if (outcome.includeIdentity) body.identity = publicIdentity(ctx, identity);

  if (flow.type === 'api') {
    if (issued) body.session_token = issued.token;
    // Kratos's API login answers `continue_with: null` (login/hook.go returns the flow's own,
    // empty, list); registration adds set_ory_session_token (registration/hook.go).
    if (issued && flow.kind !== 'login') {
      continueWith.push({ action: 'set_ory_session_token', ory_session_token: issued.token });
    }
    continueWith.push(...(outcome.continueWith ?? []));
    const apiContinueWith = flow.kind === 'login' && !continueWith.length ? null : continueWith;
    return json({ ...body, continue_with: apiContinueWith });
  }

  const headers = new Headers();
  if (issued) {
    headers.append('set-cookie', sessionCookie(ctx, issued.token, issued.session));
    // Kratos (session/manager_http.go IssueCookie) regenerates the CSRF secret when the cookie
    // starts a session for someone new — none before, or another identity (session fixation) —
    // and keeps it on a refresh login of the same identity
    // (shared/ory/kratos/transcripts/login-browser.json#13, login-spa.json#10).
    const sameIdentity = s.session?.identity.id === identity.id;
    const fresh = sameIdentity
      ? outcome.csrfIssue
      : (outcome.csrfIssue ?? csrf.issue(new Request('http://csrf.invalid/')));
    if (fresh?.setCookie) headers.append('set-cookie', fresh.setCookie);
  }
  const returnTo = returnToOf(ctx, flow);
  const hydra = await oauth2Answer(s, outcome, headers);
  if (hydra) return hydra;
  if (s.json) {
    // Kratos adds redirect_browser_to before the post-persist hooks run (verification appends after).
    continueWith.push({ action: 'redirect_browser_to', redirect_browser_to: returnTo });
    continueWith.push(...(outcome.continueWith ?? []));
    return json({ ...body, continue_with: continueWith }, 200, headers);
  }
  return redirect(outcome.browserRedirect ?? returnTo, 303, headers);
}

/**
 * A browser flow started with Hydra's login_challenge ends at Hydra (Kratos login/hook.go and
 * registration/hook.go): the challenge is accepted for the identity, after the session cookie is
 * set, and the browser goes to Hydra's redirect_to — a form post by 303; a SPA login by 422
 * browser_location_change_required; a SPA registration by a redirect_browser_to in continue_with
 * (replacing the return URL's). A verification UI to show first, or a SPA registration without a
 * session, keeps the ordinary answer, as in Kratos. Hydra failing is Kratos's 500, with the cookie
 * kept: the user is signed in and can start the OAuth2 flow again.
 */
async function oauth2Answer(
  s: Submission,
  outcome: Outcome,
  headers: Headers,
): Promise<Response | undefined> {
  const { flow, identity, issued } = outcome;
  const challenge = flow.type === 'browser' ? challengeOfFlow(flow) : undefined;
  if (!challenge || outcome.browserRedirect) return undefined;
  const showsVerification = (outcome.continueWith ?? []).some(
    (item) => item.action === 'show_verification_ui',
  );
  const spaRegistration = s.json && flow.kind === 'registration';
  if (spaRegistration && (!issued || showsVerification)) return undefined;
  let to: string;
  try {
    to = await acceptForFlow(s.ctx, {
      challenge,
      identityId: identity.id,
      ...(issued ? { session: issued.session } : {}),
      method: 'password',
    });
  } catch (err) {
    return forwardError(s.ctx, s.request, s.requestId, err, { json: s.json, headers });
  }
  if (!s.json) return redirect(to, 303, headers);
  if (flow.kind === 'login') return json(browserLocationChangeRequired(to).toBody(), 422, headers);
  const body: Record<string, unknown> = {
    session: sessionToWire(s.ctx, issued!.session, identity),
    identity: publicIdentity(s.ctx, identity),
    continue_with: [
      ...(outcome.continueWith ?? []).filter((item) => item.action !== 'redirect_browser_to'),
      { action: 'redirect_browser_to', redirect_browser_to: to },
    ],
  };
  return json(body, 200, headers);
}

// /oauth2/consent?consent_challenge=…: Hydra's consent app. Skipped (accepted without a page) when
// Hydra remembers the grant (`skip`) or the client is first-party (`skip_consent`: Hydra does not
// act on it, the consent app does). Otherwise a page with the client's name, logo, policy links
// and the scopes in plain words; its form posts back here under CSRF. Every accept rebuilds the
// ID-token claims from the identity (Hydra does not reuse the previous consent's session).
import type { PageResult } from '../pages/respond.ts';
import { callOutbound } from '../lib/outbound.ts';
import type { KratosIdentity } from '../session/types.ts';
import { idTokenClaims } from './claims.ts';
import {
  challengeParam,
  chromeOf,
  errorPage,
  type OAuth2Deps,
  type OAuth2Scope,
} from './context.ts';
import type { ConsentRequest } from './hydra-admin.ts';
import { browserSession } from './login.ts';
import { renderConsentPage } from './render.ts';

async function identityOf(
  deps: OAuth2Deps,
  scope: OAuth2Scope,
  subject: string,
): Promise<KratosIdentity | undefined> {
  const session = await browserSession(deps, scope);
  if (session?.identity.id === subject) return session.identity;
  if (!deps.options.kratosAdminURL) return undefined;
  const response = await callOutbound(
    `${deps.options.kratosAdminURL.replace(/\/+$/, '')}/admin/identities/${encodeURIComponent(subject)}`,
    { method: 'GET', headers: { accept: 'application/json' } },
    { fetch: deps.options.fetch, timeoutMs: deps.options.timeoutMs, service: 'kratos admin' },
  );
  if (response.status !== 200) {
    await response.body?.cancel();
    return undefined;
  }
  return (await response.json()) as KratosIdentity;
}

async function accept(
  deps: OAuth2Deps,
  scope: OAuth2Scope,
  request: ConsentRequest,
  remember: boolean,
): Promise<string> {
  const identity = await identityOf(deps, scope, request.subject);
  const grantScope = request.requested_scope;
  return deps.hydra.acceptConsent(request.challenge, {
    grant_scope: grantScope,
    grant_access_token_audience: request.requested_access_token_audience,
    remember,
    remember_for: deps.options.rememberConsentForSeconds,
    session: { id_token: identity ? idTokenClaims(identity, grantScope) : {}, access_token: {} },
  });
}

export async function showConsent(deps: OAuth2Deps, scope: OAuth2Scope): Promise<PageResult> {
  const challenge = challengeParam(scope.url.searchParams, 'consent_challenge');
  if (!challenge)
    return errorPage(
      deps,
      scope,
      400,
      'The consent request is missing. Please start again from the application.',
    );
  const request = await deps.hydra.getConsentRequest(challenge);
  if (request.skip || request.client.skip_consent === true) {
    return { kind: 'redirect', location: await accept(deps, scope, request, request.skip) };
  }
  const csrf = deps.csrf.issue(scope.cookie, challenge, scope.secure);
  const body = renderConsentPage({
    ...chromeOf(deps, scope),
    clientName: request.client.client_name || request.client.client_id,
    ...(request.client.logo_uri ? { logoURI: request.client.logo_uri } : {}),
    ...(request.client.policy_uri ? { policyURI: request.client.policy_uri } : {}),
    ...(request.client.tos_uri ? { tosURI: request.client.tos_uri } : {}),
    scopes: request.requested_scope,
    scopeDescriptions: deps.scopeDescriptions,
    challenge,
    csrfToken: csrf.token,
    action: '/oauth2/consent',
  });
  // The client's logo is the one image from elsewhere; the CSP names its origin (https only).
  const logo = request.client.logo_uri?.startsWith('https://')
    ? [new URL(request.client.logo_uri).origin]
    : [];
  return {
    kind: 'html',
    status: 200,
    body,
    nonce: scope.nonce,
    imgSources: logo,
    ...(csrf.setCookie ? { cookies: [csrf.setCookie] } : {}),
  };
}

export async function submitConsent(
  deps: OAuth2Deps,
  scope: OAuth2Scope,
  form: URLSearchParams,
): Promise<PageResult> {
  const challenge = challengeParam(form, 'consent_challenge');
  if (!challenge || !deps.csrf.verify(scope.cookie, challenge, form.get('csrf_token'))) {
    scope.log.warn('consent form refused: missing challenge or CSRF token mismatch');
    return errorPage(
      deps,
      scope,
      403,
      'This form has expired. Please start again from the application.',
    );
  }
  const request = await deps.hydra.getConsentRequest(challenge);
  if (form.get('action') === 'accept') {
    return {
      kind: 'redirect',
      location: await accept(deps, scope, request, form.get('remember') === 'true'),
    };
  }
  const location = await deps.hydra.rejectConsent(challenge, {
    error: 'access_denied',
    error_description: 'The resource owner denied the request',
  });
  return { kind: 'redirect', location };
}

// The OAuth2/OIDC protocol itself is panva's oidc-provider (OpenID-certified); this file only
// configures it the way a Hydra with the given hydra.yml behaves: Hydra's paths, TTLs, PKCE rules,
// client authentication methods, refresh-token rotation, the login/consent apps and error URL.
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { HydraConfig } from '../config/index.ts';
import type { ConsentStore } from '../consent/store.ts';
import type { LogoutStore } from '../consent/logout-store.ts';
import { newChallenge } from '../consent/logout-store.ts';
import { verifierURL } from '../consent/logout-handler.ts';
import type { PrivateJWK } from '../jwk/keys.ts';
import { ADDED_CONSENT_PROMPT } from '../flow/markers.ts';
import { applyHydraShapes } from './hydra-shapes.ts';
import { hydraCookieNames, installHydraCookieNames } from './cookies.ts';
import { hydraInteractionPolicy, interactionURL } from './interactions.ts';
import { HYDRA_CLIENT_PROPERTIES } from '../client/metadata.ts';
import { installScopeStrategy, rotateIfScopesStillAllowed, STANDARD_SCOPES } from './scopes.ts';

export interface ProviderParts {
  config: HydraConfig;
  adapter: Configuration['adapter'];
  keys: PrivateJWK[];
  consents: ConsentStore;
  logouts: LogoutStore;
}

/** `?error=…&error_description=…` on Hydra's `urls.error` (no `state`: the client is not trusted). */
export function errorURL(config: HydraConfig, out: Record<string, unknown>): string {
  const url = new URL(config.urls.error);
  for (const key of ['error', 'error_description', 'error_hint']) {
    if (typeof out[key] === 'string') url.searchParams.set(key, out[key] as string);
  }
  return url.href;
}

function cookieNames(config: HydraConfig) {
  // The per-client suffixes are added per request (installHydraCookieNames).
  const names = hydraCookieNames(config.dev);
  return { session: names.session, interaction: names.loginCSRF, resume: names.consentCSRF };
}

export function createProvider(parts: ProviderParts): Provider {
  const { config, consents, logouts } = parts;
  const secure = config.urls.self.issuer.startsWith('https://');
  const pkce = config.oauth2.pkce;
  const provider = new Provider(config.urls.self.issuer, {
    adapter: parts.adapter,
    jwks: { keys: parts.keys },
    cookies: {
      keys: [...config.secrets.system],
      names: cookieNames(config),
      // Hydra: SameSite=Lax and not Secure for an http issuer (dev); Secure otherwise.
      long: { httpOnly: true, sameSite: 'lax', secure },
      short: { httpOnly: true, sameSite: 'lax', secure },
    },
    routes: {
      authorization: '/oauth2/auth',
      token: '/oauth2/token',
      userinfo: '/userinfo',
      revocation: '/oauth2/revoke',
      end_session: '/oauth2/sessions/logout',
      jwks: '/.well-known/jwks.json',
      // Hydra serves introspection on the admin port only; this public route is never mounted.
      introspection: '/oauth2/introspect-disabled',
    },
    // Custom scopes registered by clients are accepted too: installScopeStrategy below.
    scopes: STANDARD_SCOPES,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: [
        'name',
        'given_name',
        'family_name',
        'preferred_username',
        'picture',
        'website',
        'updated_at',
        'locale',
      ],
      address: ['address'],
      phone: ['phone_number', 'phone_number_verified'],
      sid: null,
      acr: null,
      auth_time: null,
      amr: null,
    },
    // Hydra puts the consent's id_token claims into the ID token itself, not only into /userinfo.
    conformIdTokenClaims: false,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    extraClientMetadata: { properties: [...HYDRA_CLIENT_PROPERTIES] },
    responseTypes: ['code', 'none'],
    extraParams: [ADDED_CONSENT_PROMPT],
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: false },
      // Hydra has neither pushed authorization requests (RFC 9126) nor DPoP (RFC 9449); both are
      // on by default in oidc-provider. Off: not advertised (discovery.ts) and their routes 404.
      pushedAuthorizationRequests: { enabled: false },
      dPoP: { enabled: false },
      // Nor resource indicators (RFC 8707): fosite ignores a `resource` parameter, where
      // oidc-provider's default would refuse every one as `invalid_target`.
      resourceIndicators: { enabled: false },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContextWithOIDC) => startLogoutRequest(ctx, config, logouts),
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
          ctx.status = 302;
          ctx.redirect(config.urls.post_logout_redirect);
        },
      },
    },
    pkce: {
      required: (_ctx, client) =>
        pkce.enforced || (pkce.enforced_for_public_clients && client.clientAuthMethod === 'none'),
    },
    ttl: {
      AccessToken: config.ttl.access_token,
      ClientCredentials: config.ttl.access_token,
      AuthorizationCode: config.ttl.auth_code,
      IdToken: config.ttl.id_token,
      RefreshToken: config.ttl.refresh_token,
      Interaction: config.ttl.login_consent_request,
      Session: config.ttl.authentication_session,
      Grant: config.ttl.refresh_token,
    },
    // Hydra rotates on every refresh; reuse of a rotated token revokes the whole grant (family).
    // A refresh whose granted scopes the client may no longer request is invalid_scope (fosite).
    rotateRefreshToken: rotateIfScopesStillAllowed(config.strategies.scope),
    // Hydra also accepts its legacy `offline` scope for refresh tokens.
    issueRefreshToken: async (_ctx, client, code) =>
      client.grantTypeAllowed('refresh_token') &&
      (code.scopes.has('offline_access') || code.scopes.has('offline')),
    interactions: {
      policy: hydraInteractionPolicy(),
      url: async (_ctx, interaction) =>
        interactionURL(config.urls, interaction.prompt.name, interaction.uid),
    },
    findAccount: async (_ctx, sub, token) => ({
      accountId: sub,
      claims: async () => {
        const grantId = (token as { grantId?: string } | undefined)?.grantId;
        const consent = grantId ? await consents.byGrant(grantId) : undefined;
        return { ...(consent?.session.id_token ?? {}), sub };
      },
    }),
    renderError: async (ctx, out) => {
      ctx.status = 302;
      ctx.redirect(errorURL(config, out as unknown as Record<string, unknown>));
    },
  });
  applyHydraShapes(provider);
  installScopeStrategy(provider, config.strategies.scope);
  installHydraCookieNames(provider, config.dev);
  return provider;
}

/** oidc-provider's logout confirmation page, replaced by a redirect to Hydra's logout app. */
async function startLogoutRequest(
  ctx: KoaContextWithOIDC,
  config: HydraConfig,
  logouts: LogoutStore,
): Promise<void> {
  const { client, params } = ctx.oidc;
  const session = ctx.oidc.session!;
  const state = session.state as { secret: string };
  const now = Date.now();
  const challenge = newChallenge();
  // Hydra asks its logout app only about a remembered login session; a login accepted without
  // `remember` ends here at once (straight to the verifier, which completes the logout).
  const remembered = !(session as { transient?: boolean }).transient;
  const verifier = remembered ? undefined : newChallenge();
  await logouts.save({
    challenge,
    subject: session.accountId ?? '',
    sid: client ? (session.sidFor(client.clientId) ?? session.uid) : session.uid,
    client_id: client?.clientId ?? null,
    request_url: ctx.href,
    rp_initiated: params?.id_token_hint !== undefined,
    requested_at: new Date(now).toISOString(),
    expires_at: new Date(now + config.ttl.login_consent_request * 1000).toISOString(),
    xsrf: state.secret,
    status: remembered ? 'pending' : 'accepted',
    ...(verifier ? { verifier } : {}),
  });
  if (verifier) {
    ctx.status = 302;
    ctx.redirect(verifierURL(config.urls.self.issuer, verifier));
    return;
  }
  const url = new URL(config.urls.logout);
  url.searchParams.set('logout_challenge', challenge);
  ctx.status = 302;
  ctx.redirect(url.href);
}

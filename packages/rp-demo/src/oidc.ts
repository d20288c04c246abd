// The relying party's side of OpenID Connect, all of it through panva's openid-client (certified):
// discovery, the authorization URL (PKCE S256, state, nonce), the code exchange with the id_token
// verified against the issuer's JWKS, refresh, revocation, RP-initiated logout and the API call.
import * as client from 'openid-client';

export interface RelyingPartyOptions {
  /** The OAuth2 server's public URL (its issuer). */
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Where the server sends the browser back with the code. */
  redirectURI: string;
  /** Where the server sends the browser after RP-initiated logout. */
  postLogoutRedirectURI: string;
  scope: string;
}

/** What a sign-in must remember between the redirect out and the callback. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface Tokens {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  scope?: string;
  /** Epoch seconds. */
  expiresAt?: number;
  /** The id_token's claims, verified (signature, issuer, audience, nonce, expiry). */
  claims: Record<string, unknown>;
}

export type RelyingParty = ReturnType<typeof createRelyingParty>;

export function createRelyingParty(o: RelyingPartyOptions) {
  const insecure = o.issuer.startsWith('http://');
  let discovered: Promise<client.Configuration> | undefined;
  // Discovered on first use (the server may still be starting when this app starts); a failed
  // discovery is tried again on the next request instead of being kept.
  function configuration(): Promise<client.Configuration> {
    discovered ??= client
      .discovery(
        new URL(o.issuer),
        o.clientId,
        undefined,
        client.ClientSecretBasic(o.clientSecret),
        insecure ? { execute: [client.allowInsecureRequests] } : undefined,
      )
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  }

  function toTokens(
    response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
    previous?: Tokens,
  ): Tokens {
    const claims = response.claims() ?? previous?.claims ?? {};
    const expiresIn = response.expiresIn();
    return {
      accessToken: response.access_token,
      ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
      ...(response.id_token
        ? { idToken: response.id_token }
        : previous?.idToken
          ? { idToken: previous.idToken }
          : {}),
      ...(response.scope ? { scope: response.scope } : {}),
      ...(expiresIn !== undefined ? { expiresAt: Math.floor(Date.now() / 1000) + expiresIn } : {}),
      claims: { ...claims },
    };
  }

  return {
    async authorizationURL(prompt?: string): Promise<{ url: URL; pending: PendingSignIn }> {
      const config = await configuration();
      const pending: PendingSignIn = {
        state: client.randomState(),
        nonce: client.randomNonce(),
        codeVerifier: client.randomPKCECodeVerifier(),
      };
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: o.redirectURI,
        scope: o.scope,
        code_challenge: await client.calculatePKCECodeChallenge(pending.codeVerifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
        ...(prompt ? { prompt } : {}),
      });
      return { url, pending };
    },

    /** Throws openid-client's AuthorizationResponseError for `?error=…` (e.g. login_required). */
    async callback(current: URL, pending: PendingSignIn): Promise<Tokens> {
      const config = await configuration();
      const response = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: pending.codeVerifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      return toTokens(response);
    },

    async refresh(tokens: Tokens): Promise<Tokens> {
      if (!tokens.refreshToken) throw new Error('no refresh token (was offline_access granted?)');
      const config = await configuration();
      return toTokens(await client.refreshTokenGrant(config, tokens.refreshToken), tokens);
    },

    async revoke(token: string, hint: 'access_token' | 'refresh_token'): Promise<void> {
      await client.tokenRevocation(await configuration(), token, { token_type_hint: hint });
    },

    async endSessionURL(idToken: string | undefined, state: string): Promise<URL> {
      return client.buildEndSessionUrl(await configuration(), {
        ...(idToken ? { id_token_hint: idToken } : {}),
        post_logout_redirect_uri: o.postLogoutRedirectURI,
        state,
      });
    },

    /** GET `url` with the access token as `Authorization: Bearer`; a refusal is a Response too. */
    async callAPI(url: string, accessToken: string): Promise<Response> {
      const config = await configuration();
      try {
        return await client.fetchProtectedResource(config, accessToken, new URL(url), 'GET');
      } catch (err) {
        // A 401/403 with a Bearer challenge (invalid_token, insufficient_scope) is an answer to show.
        if (err instanceof client.WWWAuthenticateChallengeError) return err.response;
        throw err;
      }
    },
  };
}

export {
  AuthorizationResponseError,
  ResponseBodyError,
  WWWAuthenticateChallengeError,
} from 'openid-client';

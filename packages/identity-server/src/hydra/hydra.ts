// Kratos's own Hydra integration (kratos hydra/hydra.go): reading the `login_challenge` query
// parameter, fetching Hydra's login request and accepting it, through Hydra's admin API with the
// official SDK. `oauth2_provider.url` is the admin URL; `oauth2_provider.headers` ride on every call.
// Failures become Kratos's own errors: the flow the browser is on is never lost to a Hydra outage.
import type * as OrySDK from '@ory/client-fetch';
import type { AcceptOAuth2LoginRequest, OAuth2Api } from '@ory/client-fetch';
import type { KratosConfig } from '../config/index.ts';
import { KratosError, badRequest } from '../http/errors.ts';

/** Hydra's login request as it travels on the wire (Kratos passes it on as `oauth2_login_request`). */
export type HydraLoginRequest = Record<string, unknown> & {
  challenge?: string;
  skip?: boolean;
  subject?: string;
  request_url?: string;
};

export interface AcceptLoginParams {
  loginChallenge: string;
  identityId: string;
  /** Absent when no Kratos session was issued (registration without the `session` hook). */
  sessionId?: string;
  /** The session's authentication methods, in order (Kratos: session.AMR). */
  methods: ReadonlyArray<{ method: string }>;
}

// The SDK (some 400 modules) loads on the first Hydra call: a server without `oauth2_provider` —
// the dev stack's — never loads it.
let sdk: Promise<typeof OrySDK> | undefined;
const loadSDK = () => (sdk ??= import('@ory/client-fetch'));

/** A Hydra that does not answer within this is treated as down (Kratos's HTTP client default). */
const TIMEOUT_MS = 10_000;

/** herodot.ErrMisconfiguration, as Kratos's hydra package raises it. */
function misconfiguration(reason: string): KratosError {
  return new KratosError(500, 'Invalid configuration', { id: 'invalid_configuration', reason });
}

/**
 * Kratos GetLoginChallengeID: undefined without the parameter; with it, oauth2_provider.url must be
 * set (500 invalid_configuration) and the value must not be empty (400).
 */
export function loginChallengeOf(config: KratosConfig, url: URL): string | undefined {
  if (!url.searchParams.has('login_challenge')) return undefined;
  if (!config.oauth2_provider?.url) {
    throw misconfiguration(
      'refusing to parse login_challenge query parameter because oauth2_provider.url is invalid or unset',
    );
  }
  const challenge = url.searchParams.get('login_challenge');
  if (!challenge) throw badRequest('the login_challenge parameter is present but empty');
  return challenge;
}

async function adminAPI(config: KratosConfig): Promise<OAuth2Api> {
  const provider = config.oauth2_provider;
  if (!provider?.url) throw misconfiguration('oauth2_provider.url is not configured');
  const { Configuration, OAuth2Api } = await loadSDK();
  return new OAuth2Api(
    new Configuration({
      basePath: provider.url.replace(/\/+$/, ''),
      headers: { ...provider.headers },
    }),
  );
}

/**
 * What Kratos puts in `details` of a failed Hydra call: the status Hydra answered and its
 * `error_hint` (oauth2_error_hint) when the body is Hydra's error shape.
 */
async function failureDetails(err: unknown): Promise<Record<string, unknown> | undefined> {
  if (!(err instanceof (await loadSDK()).ResponseError)) return undefined;
  const details: Record<string, unknown> = { status_code: err.response.status };
  try {
    const body = (await err.response.json()) as Record<string, unknown>;
    if (typeof body.error_hint === 'string') details.oauth2_error_hint = body.error_hint;
  } catch {
    // Not JSON: the status alone says enough.
  }
  return details;
}

/** Kratos GetLoginRequest: 400 when Hydra refuses the challenge, 500 when Hydra is down or fails. */
export async function getLoginRequest(
  config: KratosConfig,
  challenge: string,
): Promise<HydraLoginRequest> {
  if (!challenge) throw badRequest('invalid login_challenge');
  const api = await adminAPI(config);
  const { OAuth2LoginRequestToJSON, ResponseError } = await loadSDK();
  try {
    const request = await api.getOAuth2LoginRequest(
      { loginChallenge: challenge },
      { signal: AbortSignal.timeout(TIMEOUT_MS) },
    );
    // Back to the wire through the SDK's model, as Kratos re-marshals Hydra's answer through its
    // Go SDK model: fields Hydra sends as null (a client's `contacts`) are left out, not null.
    return JSON.parse(JSON.stringify(OAuth2LoginRequestToJSON(request))) as HydraLoginRequest;
  } catch (err) {
    const details = await failureDetails(err);
    const refused = err instanceof ResponseError && err.response.status < 500;
    throw new KratosError(
      refused ? 400 : 500,
      refused
        ? 'The request was malformed or contained invalid parameters'
        : 'An internal server error occurred, please contact the system administrator',
      {
        reason: 'Unable to get OAuth 2.0 Login Challenge.',
        ...(details ? { details } : {}),
        cause: err,
      },
    );
  }
}

/**
 * Kratos AcceptLoginRequest: subject = the identity, identity_provider_session_id = the Kratos
 * session, remember = session.cookie.persistent, remember_for = the session lifespan in seconds,
 * amr = the session's methods; no acr and no context. Returns Hydra's `redirect_to`.
 */
export async function acceptLoginRequest(
  config: KratosConfig,
  params: AcceptLoginParams,
): Promise<string> {
  const api = await adminAPI(config);
  const body: AcceptOAuth2LoginRequest = {
    subject: params.identityId,
    ...(params.sessionId ? { identity_provider_session_id: params.sessionId } : {}),
    remember: config.session.cookie.persistent,
    remember_for: Math.floor(config.session.lifespan_ms / 1000),
    amr: params.methods.map((m) => m.method),
  };
  try {
    const answer = await api.acceptOAuth2LoginRequest(
      { loginChallenge: params.loginChallenge, acceptOAuth2LoginRequest: body },
      { signal: AbortSignal.timeout(TIMEOUT_MS) },
    );
    if (typeof answer.redirect_to !== 'string' || !answer.redirect_to) {
      throw new TypeError('Hydra accepted the login request without a redirect_to');
    }
    return answer.redirect_to;
  } catch (err) {
    const details = await failureDetails(err);
    throw new KratosError(
      500,
      'An internal server error occurred, please contact the system administrator',
      {
        reason: 'Unable to accept OAuth 2.0 Login Challenge.',
        ...(details ? { details } : {}),
        cause: err,
      },
    );
  }
}

// Hydra's admin API for the login, consent and logout provider (v2 paths under /admin; the
// contract in shared/docs/hydra-keto-contract.md §1). Every call goes through callOutbound; a 404
// or 410 on a challenge is HYDRA_CHALLENGE_INVALID (stale or forged link), anything else that is
// not a 2xx is HYDRA_UNAVAILABLE.
import { VestibuleError } from '../lib/errors.ts';
import { callOutbound, type FetchLike } from '../lib/outbound.ts';

export interface HydraClientInfo {
  client_id: string;
  client_name?: string;
  logo_uri?: string;
  policy_uri?: string;
  tos_uri?: string;
  client_uri?: string;
  skip_consent?: boolean;
  skip_logout_consent?: boolean;
}

export interface LoginRequest {
  challenge: string;
  skip: boolean;
  subject: string;
  request_url: string;
  requested_scope: string[];
  client: HydraClientInfo;
  oidc_context?: { login_hint?: string };
}

export interface ConsentRequest {
  challenge: string;
  skip: boolean;
  subject: string;
  requested_scope: string[];
  requested_access_token_audience: string[];
  client: HydraClientInfo;
}

export interface LogoutRequest {
  challenge: string;
  subject: string;
  sid: string;
  rp_initiated: boolean;
  client: HydraClientInfo | null;
}

export interface HydraAdmin {
  getLoginRequest(challenge: string): Promise<LoginRequest>;
  acceptLogin(challenge: string, body: Record<string, unknown>): Promise<string>;
  getConsentRequest(challenge: string): Promise<ConsentRequest>;
  acceptConsent(challenge: string, body: Record<string, unknown>): Promise<string>;
  rejectConsent(challenge: string, body: Record<string, unknown>): Promise<string>;
  getLogoutRequest(challenge: string): Promise<LogoutRequest>;
  acceptLogout(challenge: string): Promise<string>;
  rejectLogout(challenge: string): Promise<void>;
}

export class HydraChallengeInvalid extends VestibuleError {
  constructor(kind: string, status: number) {
    super('HYDRA_CHALLENGE_INVALID', `hydra answered ${status} for the ${kind} challenge`, {
      status: 400,
      publicMessage:
        'This sign-in link has expired or was already used. Please start again from the application.',
    });
  }
}

export class HydraUnavailable extends VestibuleError {
  constructor(message: string, cause?: unknown) {
    super('HYDRA_UNAVAILABLE', message, {
      status: 502,
      publicMessage: 'The sign-in service is not reachable right now. Please try again shortly.',
      cause,
    });
  }
}

export function createHydraAdmin(options: {
  adminURL: string;
  timeoutMs: number;
  fetch?: FetchLike;
}): HydraAdmin {
  const base = options.adminURL.replace(/\/+$/, '');
  async function call<T>(
    kind: 'login' | 'consent' | 'logout',
    path: string,
    challenge: string,
    method: string,
    body?: unknown,
  ): Promise<T> {
    const url = `${base}/admin/oauth2/auth/requests/${path}?${kind}_challenge=${encodeURIComponent(challenge)}`;
    let response: Response;
    try {
      response = await callOutbound(
        url,
        {
          method,
          headers: {
            accept: 'application/json',
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          ...(body ? { body: JSON.stringify(body) } : {}),
        },
        { fetch: options.fetch, timeoutMs: options.timeoutMs, service: 'hydra admin' },
      );
    } catch (err) {
      throw new HydraUnavailable(`hydra admin unreachable: ${(err as Error).message}`, err);
    }
    if (response.status === 404 || response.status === 410 || response.status === 400) {
      await response.body?.cancel();
      throw new HydraChallengeInvalid(kind, response.status);
    }
    if (response.status === 204) return undefined as T;
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new HydraUnavailable(`hydra admin answered ${response.status} to ${method} ${path}`);
    }
    try {
      return (await response.json()) as T;
    } catch (err) {
      throw new HydraUnavailable('hydra admin sent invalid JSON', err);
    }
  }
  const redirect = async (promise: Promise<{ redirect_to?: unknown }>) => {
    const { redirect_to: to } = await promise;
    if (typeof to !== 'string' || !URL.canParse(to))
      throw new HydraUnavailable('hydra admin answered without redirect_to');
    return to;
  };
  return {
    getLoginRequest: (c) => call('login', 'login', c, 'GET'),
    acceptLogin: (c, body) => redirect(call('login', 'login/accept', c, 'PUT', body)),
    getConsentRequest: (c) => call('consent', 'consent', c, 'GET'),
    acceptConsent: (c, body) => redirect(call('consent', 'consent/accept', c, 'PUT', body)),
    rejectConsent: (c, body) => redirect(call('consent', 'consent/reject', c, 'PUT', body)),
    getLogoutRequest: (c) => call('logout', 'logout', c, 'GET'),
    acceptLogout: (c) => redirect(call('logout', 'logout/accept', c, 'PUT')),
    rejectLogout: (c) => call('logout', 'logout/reject', c, 'PUT'),
  };
}

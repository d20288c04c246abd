// Hydra's logout requests. oidc-provider keeps RP-initiated logout behind a form with an xsrf
// secret bound to the browser's session; a logout request holds that secret until the logout app
// accepts, and the verifier then completes oidc-provider's own confirm step (so its session end,
// grant revocation and back-channel notifications all run as written).
import { randomBytes } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';

export interface LogoutRequest {
  challenge: string;
  subject: string;
  sid: string;
  client_id: string | null;
  request_url: string;
  rp_initiated: boolean;
  requested_at: string;
  expires_at: string;
  /** oidc-provider's end-session xsrf secret (never shown on the admin API). */
  xsrf: string;
  status: 'pending' | 'accepted' | 'rejected' | 'used';
  /** Set on accept; the one-time key of `/oauth2/sessions/logout?logout_verifier=`. */
  verifier?: string;
  [key: string]: unknown;
}

export function newChallenge(): string {
  return randomBytes(32).toString('base64url');
}

export class LogoutStore {
  constructor(
    private readonly adapter: Adapter,
    private readonly ttlSeconds: number,
  ) {}

  async save(request: LogoutRequest): Promise<void> {
    const remaining = Math.max(1, Math.ceil((Date.parse(request.expires_at) - Date.now()) / 1000));
    const payload = { ...request, uid: request.verifier } as unknown as AdapterPayload;
    await this.adapter.upsert(request.challenge, payload, Math.min(remaining, this.ttlSeconds));
  }

  async find(challenge: string): Promise<LogoutRequest | undefined> {
    return ((await this.adapter.find(challenge)) as LogoutRequest | undefined) ?? undefined;
  }

  async findByVerifier(verifier: string): Promise<LogoutRequest | undefined> {
    return ((await this.adapter.findByUid(verifier)) as LogoutRequest | undefined) ?? undefined;
  }
}

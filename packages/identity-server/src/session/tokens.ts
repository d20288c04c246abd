// Session secrets. Only SHA-256 digests are stored (persistence/types.ts), so a database leak does
// not hand out live sessions. Tokens look like Kratos's (`ory_st_…` session, `ory_lo_…` logout).
import { createHash, randomBytes } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** 32 random alphanumeric characters (≈190 bits), as Kratos's randx.AlphaNum tokens. */
function randomAlphanumeric(length = 32): string {
  // Rejection sampling keeps the distribution uniform (256 is not a multiple of 62).
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}

export function newSessionToken(): string {
  return `ory_st_${randomAlphanumeric()}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The logout token is derived from the session token, so `/self-service/logout/browser` can hand
 * out the same value on every call without storing it in the clear; knowing it requires the session
 * token, and the stored digest lets `/self-service/logout?token=` find the session.
 */
export function logoutTokenFor(sessionToken: string): string {
  const digest = createHash('sha256').update(`logout\0${sessionToken}`).digest('base64url');
  return `ory_lo_${digest.replace(/[-_]/g, '').slice(0, 32)}`;
}

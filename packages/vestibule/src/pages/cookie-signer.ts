// HMAC signatures for the pages' own cookies (restart counter, flow context). Each purpose derives a
// key of its own from the configured secret: the edge may share that secret with other signers
// (identity headers), and a MAC made for one purpose must never be valid for another.
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface CookieSigner {
  /** base64url HMAC-SHA256 of `payload` (43 characters). */
  sign(payload: string): string;
  /** Constant-time check of a MAC the browser sent back. */
  verify(payload: string, mac: string): boolean;
}

export function createCookieSigner(secret: Buffer, purpose: string): CookieSigner {
  const key = createHmac('sha256', secret).update(purpose).digest();
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    sign,
    verify(payload, mac) {
      const expected = Buffer.from(sign(payload));
      const given = Buffer.from(mac);
      return expected.length === given.length && timingSafeEqual(expected, given);
    },
  };
}

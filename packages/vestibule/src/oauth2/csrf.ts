// CSRF for the consent and logout forms: a signed double-submit token bound to one challenge. The
// browser holds a random HttpOnly cookie; the form carries HMAC(cookie, challenge). A cross-site
// page can make the browser post, but cannot read the cookie or our page to compute the token; a
// token for one challenge is worthless for another.
import { randomBytes } from 'node:crypto';
import { readCookie } from '../lib/cookies.ts';
import { createCookieSigner, type CookieSigner } from '../pages/cookie-signer.ts';

export interface FormCSRF {
  /** The token to embed for `challenge`, and the Set-Cookie to send when the browser had none. */
  issue(
    cookieHeader: string | null,
    challenge: string,
    secure: boolean,
  ): { token: string; setCookie?: string };
  verify(cookieHeader: string | null, challenge: string, token: string | null): boolean;
}

export function createFormCSRF(secret: Buffer): FormCSRF {
  const signer: CookieSigner = createCookieSigner(secret, 'vestibule oauth2 form csrf');
  // __Host- needs Secure (https); over plain http (local dev) the prefix would make browsers drop it.
  const name = (secure: boolean) =>
    secure ? '__Host-vestibule_oauth2_csrf' : 'vestibule_oauth2_csrf';
  const read = (header: string | null) =>
    readCookie(header, name(true), { unquote: false }) ??
    readCookie(header, name(false), { unquote: false });
  return {
    issue(header, challenge, secure) {
      let value = read(header);
      let setCookie: string | undefined;
      if (!value || !/^[A-Za-z0-9_-]{43}$/.test(value)) {
        value = randomBytes(32).toString('base64url');
        setCookie = `${name(secure)}=${value}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
      }
      return { token: signer.sign(`${value}\n${challenge}`), ...(setCookie ? { setCookie } : {}) };
    },
    verify(header, challenge, token) {
      const value = read(header);
      if (!value || !token) return false;
      return signer.verify(`${value}\n${challenge}`, token);
    },
  };
}

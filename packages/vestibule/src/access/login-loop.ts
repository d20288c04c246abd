// Redirect-loop guard. The classic loop: the app (or edge) cannot see the session cookie (wrong
// cookie domain, blocked cookies), redirects to /login, Kratos sees a session and sends the browser
// straight back (`session_already_available` → return_to), and round it goes. A short-lived counter
// cookie stops it after a few rounds and shows a page that names the problem instead.
import { readCookie } from '../lib/cookies.ts';
import type { HeaderReader } from '../session/credential.ts';

export const LOOP_COOKIE = 'vestibule_login_redirects';
const WINDOW_SECONDS = 30;
const MAX_REDIRECTS = 3;

export interface LoopCheck {
  exceeded: boolean;
  /** Set-Cookie value to attach to the redirect (increments the counter). */
  setCookie: string;
}

/**
 * Over https the counter is a `__Host-` cookie: browsers only accept one that this very host set
 * (Secure, Path=/, no Domain), so a sibling subdomain cannot plant `=999` to stop every login
 * redirect (cookie tossing).
 */
export function loopCookieName(secure: boolean): string {
  return secure ? `__Host-${LOOP_COOKIE}` : LOOP_COOKIE;
}

export function checkLoginLoop(headers: HeaderReader, options: { secure: boolean }): LoopCheck {
  const name = loopCookieName(options.secure);
  const current = Number.parseInt(readCookie(headers.get('cookie'), name) ?? '0', 10);
  const count = Number.isFinite(current) && current > 0 ? current : 0;
  const attributes = `Path=/; Max-Age=${WINDOW_SECONDS}; HttpOnly; SameSite=Lax${options.secure ? '; Secure' : ''}`;
  return {
    exceeded: count >= MAX_REDIRECTS,
    setCookie: `${name}=${count + 1}; ${attributes}`,
  };
}

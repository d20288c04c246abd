// Circuit breaker for flow restarts. A CSRF violation, an expired or unknown flow each restart the
// flow; if the cause persists (cookies blocked, clock skew, a proxy dropping Set-Cookie) that becomes
// an endless redirect loop. A short-lived, HMAC-signed counter cookie caps restarts per window; past
// the cap the user gets an error page with a request id instead of another redirect.
import { readCookie } from '../lib/cookies.ts';
import { createCookieSigner } from './cookie-signer.ts';

export const RESTART_COOKIE = 'vestibule_restarts';
/** We never quote this cookie: a quoted copy is not one we set, so it is read exactly as sent. */
const AS_SET = { unquote: false } as const;

export interface RestartBreakerOptions {
  secret: Buffer;
  limit: number;
  windowMs: number;
  now: () => number;
  cookiePath: string;
}

export interface RestartDecision {
  allowed: boolean;
  /** Set-Cookie carrying the new count (or clearing it when the loop is broken). */
  setCookie: string;
}

export function createRestartBreaker(options: RestartBreakerOptions) {
  const signer = createCookieSigner(options.secret, 'vestibule/pages/restart-counter/v1');

  function read(cookieHeader: string | null): { count: number; since: number } | undefined {
    const raw = readCookie(cookieHeader, RESTART_COOKIE, AS_SET);
    const match = raw && /^(\d{1,3})\.(\d{1,16})\.([A-Za-z0-9_-]{43})$/.exec(raw);
    if (!match) return undefined;
    const [, count, since, mac] = match as unknown as [string, string, string, string];
    if (!signer.verify(`${count}.${since}`, mac)) return undefined;
    // A `since` in the future (another clock, a restarted process) is as stale as an old one.
    const age = options.now() - Number(since);
    if (age < 0 || age >= options.windowMs) return undefined;
    return { count: Number(count), since: Number(since) };
  }

  function cookie(value: string, maxAgeSeconds: number, secure: boolean): string {
    return `${RESTART_COOKIE}=${value}; Path=${options.cookiePath}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  }

  return {
    /** Counts one more restart; `allowed` is false once the limit within the window is reached. */
    next(cookieHeader: string | null, secure: boolean): RestartDecision {
      const current = read(cookieHeader);
      const count = (current?.count ?? 0) + 1;
      if (count > options.limit) return { allowed: false, setCookie: cookie('', 0, secure) };
      const since = current?.since ?? options.now();
      const payload = `${count}.${since}`;
      const remaining = Math.max(1, Math.ceil((since + options.windowMs - options.now()) / 1000));
      return {
        allowed: true,
        setCookie: cookie(`${payload}.${signer.sign(payload)}`, remaining, secure),
      };
    },
    /** A flow rendered: the loop (if any) is over. Only clears a cookie the browser actually sent. */
    reset(cookieHeader: string | null, secure: boolean): string | undefined {
      return readCookie(cookieHeader, RESTART_COOKIE, AS_SET) === null
        ? undefined
        : cookie('', 0, secure);
    },
  };
}

export type RestartBreaker = ReturnType<typeof createRestartBreaker>;

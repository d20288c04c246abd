// The RP's own sessions: in memory, keyed by a random id in an HttpOnly, SameSite=Lax cookie.
// Bounded: past the limit the oldest session goes (a demo must not grow without end).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { PendingSignIn, Tokens } from './oidc.ts';

export const SESSION_COOKIE = 'rp_demo_session';
const MAX_SESSIONS = 10_000;

export interface RPSession {
  id: string;
  /** The per-session token the refresh, revoke and logout requests must carry. */
  csrf: string;
  pending?: PendingSignIn;
  tokens?: Tokens;
  /** True once the access token was revoked here (the page says so). */
  revoked?: boolean;
  /** One-shot message for the next page (an error from the server, a done action). */
  flash?: string;
}

const randomId = () => randomBytes(24).toString('base64url');

export function createSessions() {
  const sessions = new Map<string, RPSession>();
  return {
    find(req: IncomingMessage): RPSession | undefined {
      const id = cookieValue(req.headers.cookie, SESSION_COOKIE);
      return id ? sessions.get(id) : undefined;
    },
    create(): RPSession {
      if (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
      const session: RPSession = { id: randomId(), csrf: randomId() };
      sessions.set(session.id, session);
      return session;
    },
    /** The same session under a new id and CSRF token: a sign-in never keeps the id it began with. */
    rotate(session: RPSession): RPSession {
      sessions.delete(session.id);
      const next: RPSession = { ...session, id: randomId(), csrf: randomId() };
      sessions.set(next.id, next);
      return next;
    },
    delete(session: RPSession): void {
      sessions.delete(session.id);
    },
  };
}

export function sessionCookie(session: RPSession, secure: boolean): string {
  return `${SESSION_COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

export function clearedSessionCookie(secure: boolean): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

// Session changes that pass through the same-origin proxy, applied to the gateway's session cache
// before the proxy's response goes out, so the very next request through the gateway is decided
// on Kratos's new truth rather than on a cached session (issue 4).
//
// - logout (browser or native): the credential's cached session goes;
// - DELETE /sessions/{id}: that session goes;
// - DELETE /sessions (the caller's other sessions) and any settings or recovery submit: Kratos may
//   have revoked every other session of the identity (`revoke_active_sessions` hook after a password
//   change or a recovery), so every cached session of that identity goes. Which identity: the
//   session the response just set (recovery signs the browser in), else the caller's own session.
//   If that cannot be learnt (Kratos unreachable right after answering), the whole cache goes:
//   evicting is always safe, the next requests simply ask Kratos again. An anonymous caller evicts
//   nothing: Kratos changes no identity for a request without a session, and a whole-cache flush on
//   every anonymous GET /self-service/settings would let anyone defeat the cache (a load amplifier).
// Every eviction is announced to the other edges (session-bus/) before the response goes out.
import type { Gateway } from '../gateway/index.ts';
import { readCookie } from '../lib/cookies.ts';
import type { Logger } from '../lib/logger.ts';
import type { LogoutEvent } from '../proxy/options.ts';
import { normalisePath, rawPathOf } from '../proxy/path.ts';
import type { HeaderReader } from '../session/credential.ts';
import type { EdgeHandler } from './types.ts';

/** Kratos endpoints whose submit can revoke an identity's other sessions (decoded path suffix). */
const IDENTITY_WIDE = /\/self-service\/(?:settings|recovery)$/;

export interface SessionEvents {
  /** The proxy's onLogout hook. */
  onLogout(event: LogoutEvent): Promise<void>;
  /** The proxy part, with identity-wide eviction after settings/recovery submits. */
  wrapProxy(proxy: EdgeHandler, prefix: string): EdgeHandler;
}

export function createSessionEvents(gateway: Gateway, logger: Logger): SessionEvents {
  const cookieName = gateway.sessions.cookieName;

  /** Evict every cached session of the identity behind `headers`; everything when Kratos fails. */
  const evictIdentityOf = async (headers: HeaderReader, requestId: string): Promise<void> => {
    let identityId: string | undefined;
    try {
      identityId = (await gateway.sessions.resolve(headers)).session?.identity.id;
    } catch (err) {
      logger.warn('could not tell whose sessions changed; clearing the session cache', {
        requestId,
        err,
      });
      await gateway.forgetAllSessions();
      return;
    }
    if (identityId) await gateway.revoke({ identityId });
  };

  return {
    async onLogout(event) {
      const headers = new Headers();
      if (event.cookie) headers.set('cookie', event.cookie);
      if (event.sessionToken) headers.set('x-session-token', event.sessionToken);
      if (event.kind === 'other-sessions-revoked') {
        // The caller's own session survives DELETE /sessions: it names the identity.
        await evictIdentityOf(headers, event.requestId);
        return;
      }
      await gateway.onLogout(headers);
      if (event.sessionId) await gateway.revoke({ sessionId: event.sessionId });
    },

    wrapProxy(proxy, prefix) {
      return async (request, context) => {
        // GET too: the refresh login returns the browser to GET /self-service/settings?flow=, where
        // Kratos applies the change it refused for an old session (and revokes other sessions).
        const identityWide =
          (request.method === 'POST' || request.method === 'GET') &&
          isIdentityWide(request.url, prefix);
        const response = await proxy(request, context);
        // Kratos answered (a 4xx may still follow a change, e.g. a 422 browser redirect): evict.
        if (identityWide && response.status < 500) {
          await evictIdentityOf(credentialAfter(request, response, cookieName), context.requestId);
        }
        return response;
      };
    },
  };
}

function isIdentityWide(url: string, prefix: string): boolean {
  // The proxy's own normaliser (decodes until stable, resolves dot segments), so every spelling
  // the proxy forwards to Kratos as a settings/recovery submit (`%252F`, `/./`…) is seen here too.
  const segments = normalisePath(rawPathOf(url));
  if (!segments) return true; // the proxy refuses it; evicting is always safe
  const path = '/' + segments.join('/');
  return path.startsWith(prefix + '/') && IDENTITY_WIDE.test(path);
}

/**
 * The credential to ask about after the submit: a session cookie the response sets (recovery signs
 * the browser in with a new session), else the request's own cookie or token.
 */
function credentialAfter(request: Request, response: Response, cookieName: string): HeaderReader {
  for (const setCookie of response.headers.getSetCookie()) {
    const value = readCookie(setCookie.split(';', 1)[0], cookieName);
    if (value) return new Headers({ cookie: `${cookieName}=${value}` });
  }
  return request.headers;
}

// resolveSession: request headers → the Kratos session (cached), null for anonymous, or a thrown
// KratosUnavailable. Shared by the gateway (edge) and the app library's direct mode.
import { createSessionCache, type SessionCache, type SessionCacheOptions } from './cache.ts';
import { DEFAULT_SESSION_COOKIE, extractCredential, type HeaderReader } from './credential.ts';
import { createWhoami, SessionRefused, type WhoamiFunction, type WhoamiOptions } from './whoami.ts';
import type { KratosSession, SessionCredential } from './types.ts';

export interface SessionResolverOptions extends WhoamiOptions, Omit<SessionCacheOptions, 'whoami'> {
  /** Called after each whoami call to Kratos with its duration in seconds (metrics). */
  onWhoami?: (outcome: WhoamiOutcome, seconds: number) => void;
}

export type WhoamiOutcome = 'session' | 'none' | 'refused' | 'error';

export interface ResolvedSession {
  credential: SessionCredential | null;
  session: KratosSession | null;
  /** Why there is no session although a credential was sent, when Kratos said (whoami 403 error id). */
  error?: string;
}

export interface SessionResolver {
  resolve(headers: HeaderReader): Promise<ResolvedSession>;
  /** resolve() when the answer is known without asking Kratos (no credential, or cached); else undefined. */
  peek(headers: HeaderReader): ResolvedSession | undefined;
  /** Evict whatever credential these request headers carry (the logout hook for the proxy). */
  evictRequest(headers: HeaderReader): boolean;
  readonly cache: SessionCache;
  readonly cookieName: string;
}

export function createSessionResolver(options: SessionResolverOptions): SessionResolver {
  if (typeof options.kratosPublicURL !== 'string' || !URL.canParse(options.kratosPublicURL)) {
    throw new TypeError('session resolver: kratosPublicURL must be an absolute URL');
  }
  const cookieName = options.cookieName ?? DEFAULT_SESSION_COOKIE;
  const whoami = createWhoami(options);
  const cache = createSessionCache({
    ...options,
    whoami: options.onWhoami ? timed(whoami, options.onWhoami) : whoami,
  });
  return {
    async resolve(headers) {
      const credential = extractCredential(headers, { cookieName });
      if (!credential) return { credential: null, session: null };
      try {
        return { credential, session: await cache.lookup(credential) };
      } catch (err) {
        if (err instanceof SessionRefused) return { credential, session: null, error: err.id };
        throw err;
      }
    },
    peek(headers) {
      const credential = extractCredential(headers, { cookieName });
      if (!credential) return { credential: null, session: null };
      const session = cache.peek(credential);
      return session === undefined ? undefined : { credential, session };
    },
    evictRequest(headers) {
      const credential = extractCredential(headers, { cookieName });
      if (credential) cache.evict(credential);
      return credential !== null;
    },
    cache,
    cookieName,
  };
}

function timed(
  whoami: WhoamiFunction,
  observe: (outcome: WhoamiOutcome, seconds: number) => void,
): WhoamiFunction {
  return async (credential) => {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const session = await whoami(credential);
      observe(session ? 'session' : 'none', seconds());
      return session;
    } catch (err) {
      observe(err instanceof SessionRefused ? 'refused' : 'error', seconds());
      throw err;
    }
  };
}

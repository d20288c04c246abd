// resolveSession: request headers → the Kratos session (cached), null for anonymous, or a thrown
// KratosUnavailable. Shared by the gateway (edge) and the app library's direct mode.
import { createSessionCache, type SessionCache, type SessionCacheOptions } from './cache.ts';
import { DEFAULT_SESSION_COOKIE, extractCredential, type HeaderReader } from './credential.ts';
import { createWhoami, type WhoamiOptions } from './whoami.ts';
import type { KratosSession, SessionCredential } from './types.ts';

export interface SessionResolverOptions
  extends WhoamiOptions, Omit<SessionCacheOptions, 'whoami'> {}

export interface ResolvedSession {
  credential: SessionCredential | null;
  session: KratosSession | null;
}

export interface SessionResolver {
  resolve(headers: HeaderReader): Promise<ResolvedSession>;
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
  const cache = createSessionCache({ ...options, whoami: createWhoami(options) });
  return {
    async resolve(headers) {
      const credential = extractCredential(headers, { cookieName });
      if (!credential) return { credential: null, session: null };
      return { credential, session: await cache.lookup(credential) };
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

export { createSessionCache, credentialKey } from './cache.ts';
export type { SessionCache, SessionCacheOptions, SessionCacheStats } from './cache.ts';
export {
  DEFAULT_SESSION_COOKIE,
  extractCredential,
  nodeHeaderReader,
  readCookie,
} from './credential.ts';
export type { HeaderReader } from './credential.ts';
export { createSessionResolver } from './resolver.ts';
export type { ResolvedSession, SessionResolver, SessionResolverOptions } from './resolver.ts';
export { createWhoami, parseSession, SessionRefused } from './whoami.ts';
export type { WhoamiFunction, WhoamiOptions } from './whoami.ts';
export type { CredentialKind, KratosIdentity, KratosSession, SessionCredential } from './types.ts';

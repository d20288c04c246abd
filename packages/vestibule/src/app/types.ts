// The app library's public types: what it reads from a request, what it answers, and its options.
// Kept apart from createVestibule() so that adapters and requireUser's decision code can name them
// without importing the factory (and the factory can import the decision code without a cycle).
import type { Logger } from '../lib/logger.ts';
import type { FetchLike } from '../lib/outbound.ts';
import type { HeaderReader } from '../session/credential.ts';
import type { SessionResolver } from '../session/resolver.ts';
import type { ProfileSync, User } from '../session/user.ts';
import type { IDTokenVerifierOptions } from '../id-token/verify.ts';

export type { ProfileSync };

/** What the library reads from a request: a Web `Request` fits, adapters build one cheaply. */
export interface RequestLike {
  method: string;
  /** Absolute URL or origin-form target (`/path?query`). */
  url: string;
  headers: HeaderReader;
  /** The peer's IP address (the Node adapters set it); only the `oathkeeper` mode's trustedProxies read it. */
  clientAddress?: string;
}

export type IdentityMode = 'header' | 'direct' | 'oathkeeper';

export interface VestibuleOptions {
  /**
   * `header`: behind the edge, trust only signed identity headers. `direct`: call Kratos whoami.
   * `oathkeeper`: behind a real Oathkeeper, verify its `id_token` mutator JWT (see `oathkeeper`).
   */
  mode: IdentityMode;
  /** `oathkeeper` mode: the JWKS URL, issuer, audience, clock skew; or trusted proxies. */
  oathkeeper?: OathkeeperSourceOptions;
  headerSecret?: string | readonly string[];
  signatureMaxAgeSeconds?: number;
  replayProtection?: boolean;
  kratosPublicURL?: string;
  cookieName?: string;
  timeoutMs?: number;
  cache?: { ttlMs?: number; maxEntries?: number; negativeTtlMs?: number };
  fetch?: FetchLike;
  /** Where browsers sign in (the edge's page). Default `/login`. */
  loginURL?: string;
  /** The origin browsers use, for absolute `return_to` URLs. Default: the request's own origin. */
  publicURL?: string;
  defaultRole?: string;
  /**
   * Provisioning store (ensureUser), in every mode: the identity's Kratos role is synced into the
   * profile, and the profile's role (`profiles.role`) is the one `getUser`/`requireRole` use.
   * Header mode: not when the edge's gateway syncs the same table (its header then carries
   * `profiles.role`, which would be recorded here as the Kratos role).
   */
  profiles?: ProfileSync;
  logger?: Logger;
  now?: () => number;
}

export type IdentityRead =
  | { kind: 'user'; user: User }
  /** `error`: direct mode, Kratos knows the session but will not vouch for it yet (whoami 403 id). */
  | { kind: 'anonymous'; error?: string }
  /** Header/oathkeeper mode without a valid assertion: we cannot know, so never redirect on it. */
  | { kind: 'unknown'; reason: string };

export type AuthResult = { user: User; response: null } | { user: null; response: Response };

export interface Vestibule {
  readonly mode: IdentityMode;
  /** The user, or null for anonymous. Throws KratosUnavailable when identity cannot be checked. */
  getUser(request: RequestLike): Promise<User | null>;
  requireUser(request: RequestLike): Promise<AuthResult>;
  requireRole(request: RequestLike, roles: string | readonly string[]): Promise<AuthResult>;
  /** Direct mode: forget the cached session of this request (call it on logout). */
  evict(request: RequestLike): void;
  readonly sessions: SessionResolver | undefined;
}

/** Validated options, as the factory and requireUser's decisions use them. */
export interface Settings {
  mode: IdentityMode;
  loginURL: string;
  publicURL: string | undefined;
  defaultRole: string;
  sessions: SessionResolver | undefined;
}

export interface OathkeeperSourceOptions extends Omit<
  IDTokenVerifierOptions,
  'fetch' | 'now' | 'jwksURL'
> {
  /**
   * Oathkeeper's JWKS (`http://oathkeeper:4456/.well-known/jwks.json`): id_tokens are verified
   * against it. Required unless only `trustedProxies` are used (a `header` mutator, no id_token).
   */
  jwksURL?: string;
  /** The header carrying the token. Default `authorization` (`Bearer …`, as the mutator sends it). */
  tokenHeader?: string;
  /** `sub` of Oathkeeper's `anonymous` authenticator, read as anonymous. Default "anonymous". */
  anonymousSubject?: string;
  /**
   * Opt-in: CIDRs (`10.0.0.0/8`, `fd00::/8`, `10.1.2.3/32`) of the proxies whose unsigned
   * `x-user-id` / `x-user-email` / `x-user-role` headers are believed when no token is present.
   * Needs the peer address (the Node, Express and Fastify adapters give it). Logged as a warning.
   */
  trustedProxies?: readonly string[];
}

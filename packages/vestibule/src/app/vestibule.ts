// createVestibule(): the app library's one chokepoint. `getUser()` answers the same question in
// every mode — who is this? — and only `requireUser`/`requireRole` turn "nobody" into a response.
import { isValidLoginURL } from './login-redirect.ts';
import { KratosUnavailable } from '../lib/errors.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { requestIdFrom } from '../lib/request-id.ts';
import type { FetchLike } from '../lib/outbound.ts';
import type { HeaderReader } from '../session/credential.ts';
import { createSessionResolver, type SessionResolver } from '../session/resolver.ts';
import { createHeaderVerifier, type HeaderVerifier } from './verify-headers.ts';
import { decideRequirement, type Requirement } from './require.ts';
import { DEFAULT_ROLE, userFromSession, type User } from './user.ts';

/** What the library reads from a request: a Web `Request` fits, adapters build one cheaply. */
export interface RequestLike {
  method: string;
  /** Absolute URL or origin-form target (`/path?query`). */
  url: string;
  headers: HeaderReader;
}

export interface ProfileSync {
  ensureUser(user: User): Promise<{ role: string }>;
}

export interface VestibuleOptions {
  /** `header`: behind the edge, trust only signed identity headers. `direct`: call Kratos whoami. */
  mode: 'header' | 'direct';
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
  /** Provisioning store (ensureUser) used in direct mode; its profile role wins. */
  profiles?: ProfileSync;
  logger?: Logger;
  now?: () => number;
}

export type IdentityRead =
  | { kind: 'user'; user: User }
  /** `error`: direct mode, Kratos knows the session but will not vouch for it yet (whoami 403 id). */
  | { kind: 'anonymous'; error?: string }
  /** Header mode without a valid edge assertion: we cannot know, so never redirect on it. */
  | { kind: 'unknown'; reason: string };

export type AuthResult = { user: User; response: null } | { user: null; response: Response };

export interface Vestibule {
  readonly mode: 'header' | 'direct';
  /** The user, or null for anonymous. Throws KratosUnavailable when identity cannot be checked. */
  getUser(request: RequestLike): Promise<User | null>;
  requireUser(request: RequestLike): Promise<AuthResult>;
  requireRole(request: RequestLike, roles: string | readonly string[]): Promise<AuthResult>;
  /** Direct mode: forget the cached session of this request (call it on logout). */
  evict(request: RequestLike): void;
  readonly sessions: SessionResolver | undefined;
}

export function createVestibule(options: VestibuleOptions): Vestibule {
  const settings = validateOptions(options);
  const logger = options.logger ?? createLogger({ base: { component: 'vestibule-app' } });
  const read =
    settings.mode === 'header'
      ? headerReader(
          createHeaderVerifier({
            secret: options.headerSecret!,
            maxAgeSeconds: options.signatureMaxAgeSeconds,
            replayProtection: options.replayProtection,
            now: options.now,
          }),
          settings.defaultRole,
          logger,
        )
      : directReader(settings.sessions!, settings.defaultRole, options.profiles);
  // One verification per request object: middleware and handler may both ask, and with replay
  // protection a second verification of the same headers would look like a replay.
  const memo = new WeakMap<object, Promise<IdentityRead>>();
  const readOnce = (request: RequestLike) => {
    let pending = memo.get(request);
    if (!pending) {
      pending = read(request);
      memo.set(request, pending);
    }
    return pending;
  };
  const guard = async (request: RequestLike, requirement: Requirement): Promise<AuthResult> => {
    const requestId = requestIdFrom(request.headers);
    let identity: IdentityRead;
    try {
      identity = await readOnce(request);
    } catch (err) {
      if (!(err instanceof KratosUnavailable)) throw err;
      logger.error('identity service unavailable; refusing protected request', { requestId, err });
      identity = { kind: 'unknown', reason: 'unavailable' };
    }
    return decideRequirement(request, identity, requirement, { ...settings, requestId });
  };
  return {
    mode: settings.mode,
    async getUser(request) {
      const identity = await readOnce(request);
      return identity.kind === 'user' ? identity.user : null;
    },
    requireUser: (request) => guard(request, { kind: 'user' }),
    requireRole(request, roles) {
      const list = typeof roles === 'string' ? [roles] : [...roles];
      if (list.length === 0) throw new TypeError('requireRole: name at least one role');
      return guard(request, { kind: 'role', roles: list });
    },
    evict(request) {
      settings.sessions?.evictRequest(request.headers);
    },
    sessions: settings.sessions,
  };
}

function headerReader(verify: HeaderVerifier, defaultRole: string, logger: Logger) {
  return async (request: RequestLike): Promise<IdentityRead> => {
    const verdict = verify(request.headers, {
      method: request.method,
      path: targetOf(request.url),
    });
    switch (verdict.state) {
      case 'user':
        return {
          kind: 'user',
          user: {
            id: verdict.identity.id,
            email: verdict.identity.email || null,
            role: verdict.identity.role || defaultRole,
            traits: {},
            session: null,
          },
        };
      case 'anonymous':
        return { kind: 'anonymous' };
      case 'absent':
        return { kind: 'unknown', reason: 'no-edge-signature' };
      case 'invalid':
        logger.warn('rejected identity headers', { reason: verdict.reason });
        return { kind: 'unknown', reason: verdict.reason };
    }
  };
}

function directReader(sessions: SessionResolver, defaultRole: string, profiles?: ProfileSync) {
  return async (request: RequestLike): Promise<IdentityRead> => {
    const { session, error } = await sessions.resolve(request.headers);
    if (!session) return error ? { kind: 'anonymous', error } : { kind: 'anonymous' };
    const user = userFromSession(session, defaultRole);
    if (profiles) user.role = (await profiles.ensureUser(user)).role;
    return { kind: 'user', user };
  };
}

/** Origin-form target (`/path?query`) of an absolute or origin-form URL, normalised like the edge. */
export function targetOf(url: string): string {
  // Origin-form is concatenated, not resolved: `//x/y` is a path here, not an authority.
  const parsed = url.startsWith('/') ? new URL('http://target.invalid' + url) : new URL(url);
  return parsed.pathname + parsed.search;
}

export interface Settings {
  mode: 'header' | 'direct';
  loginURL: string;
  publicURL: string | undefined;
  defaultRole: string;
  sessions: SessionResolver | undefined;
}

function validateOptions(options: VestibuleOptions): Settings {
  if (!options || (options.mode !== 'header' && options.mode !== 'direct')) {
    throw new TypeError('createVestibule: mode must be "header" or "direct"');
  }
  if (options.mode === 'header' && options.headerSecret === undefined) {
    throw new TypeError('createVestibule: headerSecret is required in header mode');
  }
  if (options.mode === 'direct' && !options.kratosPublicURL) {
    throw new TypeError('createVestibule: kratosPublicURL is required in direct mode');
  }
  const loginURL = options.loginURL ?? '/login';
  if (!isValidLoginURL(loginURL)) {
    throw new TypeError(
      'createVestibule: loginURL must be a path (/login) or an absolute http(s) URL',
    );
  }
  if (options.publicURL !== undefined && !URL.canParse(options.publicURL)) {
    throw new TypeError('createVestibule: publicURL must be an absolute URL');
  }
  const sessions =
    options.mode === 'direct'
      ? createSessionResolver({
          kratosPublicURL: options.kratosPublicURL!,
          cookieName: options.cookieName,
          timeoutMs: options.timeoutMs,
          fetch: options.fetch,
          now: options.now,
          ...options.cache,
        })
      : undefined;
  return {
    mode: options.mode,
    loginURL,
    publicURL: options.publicURL,
    defaultRole: options.defaultRole ?? DEFAULT_ROLE,
    sessions,
  };
}

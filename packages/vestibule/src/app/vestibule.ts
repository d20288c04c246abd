// createVestibule(): the app library's one chokepoint. `getUser()` answers the same question in
// every mode — who is this? — and only `requireUser`/`requireRole` turn "nobody" into a response.
import { isValidLoginURL } from '../access/login-redirect.ts';
import { targetOf } from '../access/target.ts';
import { createHeaderVerifier, type HeaderVerifier } from '../identity-headers/verify.ts';
import { HEADER_USER_SCOPES } from '../identity-headers/sign.ts';
import { KratosUnavailable } from '../lib/errors.ts';
import { createLogger, type Logger } from '../lib/logger.ts';
import { requestIdFrom } from '../lib/request-id.ts';
import { createSessionResolver, type SessionResolver } from '../session/resolver.ts';
import { DEFAULT_ROLE, userFromSession, type ProfileSync } from '../session/user.ts';
import { clientViewBehindOathkeeper, oathkeeperReader } from './oathkeeper-source.ts';
import { decideRequirement, type Requirement } from './require.ts';
import type {
  AuthResult,
  IdentityRead,
  RequestLike,
  Settings,
  Vestibule,
  VestibuleOptions,
} from './types.ts';

export type { AuthResult, IdentityRead, RequestLike, Vestibule, VestibuleOptions };
export type { ProfileSync };
export { targetOf };

export function createVestibule(options: VestibuleOptions): Vestibule {
  const settings = validateOptions(options);
  const logger = options.logger ?? createLogger({ base: { component: 'vestibule-app' } });
  const readIdentity =
    settings.mode === 'oathkeeper'
      ? oathkeeperReader(options.oathkeeper!, {
          defaultRole: settings.defaultRole,
          logger,
          fetch: options.fetch,
          now: options.now,
        })
      : settings.mode === 'header'
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
        : directReader(settings.sessions!, settings.defaultRole);
  const read = options.profiles ? withProfileRole(readIdentity, options.profiles) : readIdentity;
  const asSeenByClient =
    settings.mode === 'oathkeeper' ? clientViewBehindOathkeeper(options.oathkeeper!) : sameRequest;
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
    return decideRequirement(asSeenByClient(request), identity, requirement, {
      ...settings,
      requestId,
    });
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

/** The granted scopes when a Hydra access token authenticated the request (signed `x-user-scopes`). */
function scopesOf(signed: ReadonlyMap<string, string>): { scopes?: readonly string[] } {
  const scopes = signed.get(HEADER_USER_SCOPES);
  return scopes === undefined ? {} : { scopes: scopes.split(' ').filter(Boolean) };
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
            ...scopesOf(verdict.headers),
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

const sameRequest = (request: RequestLike) => request;

function directReader(sessions: SessionResolver, defaultRole: string) {
  return async (request: RequestLike): Promise<IdentityRead> => {
    const { session, error } = await sessions.resolve(request.headers);
    if (!session) return error ? { kind: 'anonymous', error } : { kind: 'anonymous' };
    return { kind: 'user', user: userFromSession(session, defaultRole) };
  };
}

/**
 * Role sync, in every mode: the identity source says the Kratos role, the provisioning store answers
 * the role the app uses (`profiles.role`, which an operator may have set directly).
 */
function withProfileRole(
  read: (request: RequestLike) => Promise<IdentityRead>,
  profiles: ProfileSync,
): (request: RequestLike) => Promise<IdentityRead> {
  return async (request) => {
    const identity = await read(request);
    if (identity.kind !== 'user') return identity;
    const { role } = await profiles.ensureUser(identity.user);
    return { kind: 'user', user: { ...identity.user, role } };
  };
}

function validateOptions(options: VestibuleOptions): Settings {
  if (!options || !['header', 'direct', 'oathkeeper'].includes(options.mode)) {
    throw new TypeError('createVestibule: mode must be "header", "direct" or "oathkeeper"');
  }
  if (
    options.mode === 'oathkeeper' &&
    !options.oathkeeper?.jwksURL &&
    !options.oathkeeper?.trustedProxies?.length
  ) {
    throw new TypeError(
      'createVestibule: oathkeeper.jwksURL (or, for unsigned headers, oathkeeper.trustedProxies) is required in oathkeeper mode',
    );
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

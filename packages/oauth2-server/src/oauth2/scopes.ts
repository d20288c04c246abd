// Which scopes a client may request, as Hydra decides it. Hydra has no fixed list: a client
// registers scopes in its `scope` field and may request what those allow under
// `strategies.scope` (scope-strategy.ts; `wildcard` by default, so `notes.*` allows
// `notes.read`). Anything else is fosite's `invalid_scope` — at the authorization endpoint
// (redirected to the client with `state`) and for client credentials — never dropped silently;
// a refresh is refused the same way once the client no longer allows a scope it was granted.
//
// oidc-provider's own check is an exact allow-list over a Set of known scopes: requested scopes
// outside the Set are dropped, those inside must be in the client's `scope`. Two hooks make it
// Hydra's:
// - the Set learns every well-formed scope a client registers (client metadata validation asks
//   `scopes.has`), and, within a memory budget, the concrete scopes a wildcard let through;
// - each client's `scope` is an accessor: oidc-provider reads it exactly where it checks requested
//   scopes (after the client is known), so the accessor applies the strategy there — throwing
//   `invalid_scope` or widening the allow-list by the requested scopes the strategy allows; for
//   client credentials the same judgement runs first thing in the grant handler (after client
//   authentication), before oidc-provider drops scopes it does not know.
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';
// oidc-provider copies its configuration, so the Set it consults is reachable only through its
// own per-provider cache, and the request's context only through its AsyncLocalStorage (the
// module has no `exports` map; the version is pinned by the lockfile, and the custom-scopes tests
// fail if this ever stops reaching them).
import instance from 'oidc-provider/lib/helpers/weak_cache.js';
import als from 'oidc-provider/lib/helpers/als.js';
import { scopeMatcher, type ScopeMatcher, type ScopeStrategyName } from './scope-strategy.ts';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export const STANDARD_SCOPES = [
  'openid',
  'offline_access',
  'offline',
  'email',
  'profile',
  'address',
  'phone',
];

/**
 * How many scopes a wildcard may add to the known Set (oldest forgotten first). Anyone can send
 * `notes.<random>` to a client registered with `notes.*`; without a bound the Set would grow
 * forever. The Set is also what an authorization's resume filters by: a scope forgotten (or lost
 * to a restart) between the request and the resume is dropped from that flow, never granted.
 */
export const WILDCARD_SCOPE_BUDGET = { count: 10_000, chars: 1_000_000 };

export function isScopeToken(scope: unknown): scope is string {
  return typeof scope === 'string' && SCOPE_TOKEN.test(scope);
}

/**
 * fosite's `ErrInvalidScope` with the hint Hydra gives for a scope the client may not request
 * (no `scope` member: Hydra's error carries only `error` and `error_description`).
 */
export function notAllowedScope(scope: string): Error {
  const error = new errors.InvalidScope(
    `The requested scope is invalid, unknown, or malformed. The OAuth 2.0 Client is not allowed to request scope '${scope}'.`,
    scope,
  );
  delete (error as { scope?: string }).scope;
  return error;
}

/** The requested scopes, deduplicated; throws `invalid_scope` for the first one not allowed. */
export function allowedRequestedScopes(
  registered: readonly string[],
  requested: readonly string[],
  match: ScopeMatcher,
): string[] {
  const wanted = [...new Set(requested.filter(Boolean))];
  for (const scope of wanted) if (!match(registered, scope)) throw notAllowedScope(scope);
  return wanted;
}

/** The Set oidc-provider consults: standard and registered scopes, plus wildcard-allowed ones. */
export class KnownScopes {
  readonly #fixed = new Set<string>();
  readonly #learned = new Map<string, number>(); // insertion order = age; value = length
  #chars = 0;

  constructor(
    private readonly set: Set<string>,
    private readonly budget = WILDCARD_SCOPE_BUDGET,
  ) {
    for (const scope of set) this.#fixed.add(scope);
  }

  /** A scope a client registered: known for good. */
  register(scope: string): void {
    this.#fixed.add(scope);
    this.#forget(scope);
    this.set.add(scope);
  }

  /** A scope the strategy allowed for one request: known while the budget lasts. */
  learn(scope: string): void {
    if (this.#fixed.has(scope)) return;
    this.#forget(scope); // refreshed: now the youngest
    this.#learned.set(scope, scope.length);
    this.#chars += scope.length;
    this.set.add(scope);
    while (this.#learned.size > this.budget.count || this.#chars > this.budget.chars) {
      const oldest = this.#learned.keys().next().value as string;
      this.#forget(oldest);
      this.set.delete(oldest);
    }
  }

  #forget(scope: string): void {
    const length = this.#learned.get(scope);
    if (length === undefined) return;
    this.#learned.delete(scope);
    this.#chars -= length;
  }
}

/** Makes `provider` match requested scopes against each client's as Hydra does. */
export function installScopeStrategy(provider: Provider, strategy: ScopeStrategyName): void {
  const scopes = (instance(provider) as { configuration?: { scopes?: unknown } } | undefined)
    ?.configuration?.scopes;
  // Fail at startup rather than run with only the standard scopes.
  if (!(scopes instanceof Set)) throw new Error('oidc-provider: its scope set was not found');
  const set = scopes as Set<string>;
  const known = new KnownScopes(set);
  // Only client metadata validation calls the method; the endpoints use the prototype's `has`
  // bound to the Set, so they see exactly the scopes added here.
  set.has = (scope: string) => {
    if (!isScopeToken(scope)) return false;
    known.register(scope);
    return true;
  };
  installClientScopeAccessor(provider, known, scopeMatcher(strategy));
  // Discovery lists the Set: like Hydra's, it names the standard scopes, not what clients registered.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path !== DISCOVERY_PATH) return;
    const body = ctx.body as { scopes_supported?: string[] } | undefined;
    if (body?.scopes_supported) {
      body.scopes_supported = body.scopes_supported.filter((s) => STANDARD_SCOPES.includes(s));
    }
  });
}

/**
 * oidc-provider's `rotateRefreshToken` hook (Hydra always rotates): called once a refresh token is
 * found, its client authenticated and reuse ruled out, before anything is issued. fosite refuses
 * the refresh when the client's registered scopes no longer allow a scope the token was granted
 * (an operator narrowed the client): `invalid_scope`, the token left as it was.
 */
export function rotateIfScopesStillAllowed(strategy: ScopeStrategyName) {
  const match = scopeMatcher(strategy);
  return (ctx: KoaContextWithOIDC): boolean => {
    const granted = (ctx.oidc.entities.RefreshToken as { scope?: string } | undefined)?.scope;
    const registered = ctx.oidc.client?.scope?.split(' ') ?? [];
    for (const scope of granted?.split(' ').filter(Boolean) ?? []) {
      if (!match(registered, scope)) throw notAllowedScope(scope);
    }
    return true;
  };
}

/** Where oidc-provider checks requested scopes against the client's `scope`. */
function checksRequestedScopes(ctx: KoaContextWithOIDC): boolean {
  const { route, params } = ctx.oidc;
  if (route === 'authorization') return true;
  return route === 'token' && params?.grant_type === 'client_credentials';
}

type GrantHandler = (ctx: KoaContextWithOIDC) => Promise<void>;

function installClientScopeAccessor(provider: Provider, known: KnownScopes, match: ScopeMatcher) {
  const registered = new WeakMap<object, string | undefined>();
  /** The client's allow-list for this request, widened by what the strategy allows; or throws. */
  const judge = (client: object, scope: string | undefined): string | undefined => {
    const ctx = als.getStore() as KoaContextWithOIDC | undefined;
    if (!ctx?.oidc || ctx.oidc.client !== client || !checksRequestedScopes(ctx)) return scope;
    const requested = ctx.oidc.params?.scope;
    if (typeof requested !== 'string' || !requested) return scope;
    // A client without registered scopes may request none (fail closed, as Hydra).
    const own = scope ? scope.split(' ') : [];
    const allowed = allowedRequestedScopes(own, requested.split(' '), match);
    for (const s of allowed) known.learn(s);
    return [...new Set([...own, ...allowed])].join(' ');
  };
  // oidc-provider's Client constructor assigns `scope` like any metadata; an accessor on the
  // prototype receives it (per provider: each Provider has its own Client class).
  Object.defineProperty((provider.Client as unknown as { prototype: object }).prototype, 'scope', {
    configurable: true,
    enumerable: true,
    set(this: object, value: string | undefined) {
      registered.set(this, value);
    },
    get(this: object): string | undefined {
      return judge(this, registered.get(this));
    },
  });
  // Client credentials: oidc-provider drops unknown requested scopes before it reads the client's
  // `scope`, so judge first — in the grant handler, i.e. only once the client is authenticated
  // (an unauthenticated caller learns nothing about a client's scopes).
  const handlers = (instance(provider) as { grantTypeHandlers?: Map<string, GrantHandler> })
    .grantTypeHandlers;
  const clientCredentials = handlers?.get('client_credentials');
  if (!handlers || !clientCredentials) {
    throw new Error('oidc-provider: its client_credentials grant handler was not found');
  }
  handlers.set('client_credentials', async (ctx) => {
    const client = ctx.oidc.client as object | undefined;
    if (client) judge(client, registered.get(client));
    return clientCredentials(ctx);
  });
}

const DISCOVERY_PATH = '/.well-known/openid-configuration';

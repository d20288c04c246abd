// Which scopes the server knows. Hydra has no fixed list: a client may register any scope in its
// `scope` field and may request only those (Hydra's default `wildcard` strategy is an exact match
// for scopes without `*`, which is what oidc-provider's client allow-list check does). oidc-provider
// keeps a Set of known scopes: client metadata validation asks it (`scopes.has`), the
// authorization and token endpoints filter requested scopes through it. So a scope becomes known
// when a client registering it is validated (on create, update, and each load from storage);
// discovery still lists only the standard ones.
import type Provider from 'oidc-provider';
// oidc-provider copies its configuration, so the Set it consults is reachable only through its
// own per-provider cache (the module has no `exports` map; the version is pinned by the lockfile,
// and the custom-scopes tests fail if this ever stops reaching it).
import instance from 'oidc-provider/lib/helpers/weak_cache.js';

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

export function isScopeToken(scope: unknown): scope is string {
  return typeof scope === 'string' && SCOPE_TOKEN.test(scope);
}

/** Makes `provider` accept any well-formed scope a client registers, as Hydra does. */
export function acceptRegisteredScopes(provider: Provider): void {
  const scopes = (instance(provider) as { configuration?: { scopes?: unknown } } | undefined)
    ?.configuration?.scopes;
  // Fail at startup rather than run with only the standard scopes.
  if (!(scopes instanceof Set)) throw new Error('oidc-provider: its scope set was not found');
  const known = scopes as Set<string>;
  // Only client metadata validation calls the method; the endpoints use the prototype's `has`
  // bound to the Set, so they see exactly the scopes added here.
  known.has = (scope: string) => {
    if (!isScopeToken(scope)) return false;
    known.add(scope);
    return true;
  };
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

const DISCOVERY_PATH = '/.well-known/openid-configuration';

// The one oidc-provider internal this package reaches (see scopes.ts): its per-provider cache.
declare module 'oidc-provider/lib/helpers/weak_cache.js' {
  const instance: (provider: object) => unknown;
  export default instance;
}

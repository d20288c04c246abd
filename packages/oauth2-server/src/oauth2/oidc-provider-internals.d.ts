// The oidc-provider internals this package reaches (see scopes.ts): its per-provider cache, and
// the AsyncLocalStorage holding the Koa context of the request being served.
declare module 'oidc-provider/lib/helpers/weak_cache.js' {
  const instance: (provider: object) => unknown;
  export default instance;
}
declare module 'oidc-provider/lib/helpers/als.js' {
  import type { AsyncLocalStorage } from 'node:async_hooks';
  const als: AsyncLocalStorage<unknown>;
  export default als;
}

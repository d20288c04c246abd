// Modules a default edge may never need (the store's driver, the self-service pages' Ory SDK,
// prom-client) are imported on first use: every module imported stays in the process's memory for
// good, and `vestibule serve` is a long-lived process (issue 15).
import { VestibuleError } from './errors.ts';

/**
 * A loader that imports once and shares the promise with every caller. A failed import is not
 * remembered (the next call tries again) and is thrown as a VestibuleError naming what could not be
 * loaded: the request that needed it is answered 500, never served without it.
 *
 * @example
 * ```ts
 * const loadSDK = lazyModule('the Ory SDK', () => import('@ory/client-fetch'));
 * const { FrontendApi } = await loadSDK();
 * ```
 */
export function lazyModule<T>(name: string, load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return () =>
    (loading ??= load().catch((cause: unknown) => {
      loading = undefined;
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new VestibuleError('INTERNAL', `could not load ${name}: ${reason}`, { cause });
    }));
}

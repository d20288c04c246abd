import type { KratosConfig } from './types.ts';

/**
 * Hooks Kratos runs after a successful registration with `method`: the method's own
 * `after.<method>.hooks`, or the global `after.hooks` when the method lists none.
 */
export function registrationAfterHooks(config: KratosConfig, method: string): string[] {
  const hooks = config.selfservice.flows.registration.after_hooks;
  return hooks[method]?.length ? hooks[method] : (hooks.global ?? []);
}

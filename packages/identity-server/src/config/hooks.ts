import type { KratosConfig } from './types.ts';

/**
 * Hooks Kratos runs after a successful `flow` with `method`: the method's own
 * `after.<method>.hooks`, or the global `after.hooks` when the method lists none
 * (config.HookGlobal). Recovery has only the global list in Kratos's schema.
 */
export function afterHooks(
  config: KratosConfig,
  flow: 'login' | 'registration' | 'settings' | 'recovery',
  method = 'global',
): string[] {
  const hooks = config.selfservice.flows[flow].after_hooks ?? {};
  return hooks[method]?.length ? hooks[method] : (hooks.global ?? []);
}

/** registration's after hooks for `method` (see afterHooks). */
export function registrationAfterHooks(config: KratosConfig, method: string): string[] {
  return afterHooks(config, 'registration', method);
}

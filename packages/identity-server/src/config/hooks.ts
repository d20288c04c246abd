import type { KratosConfig } from './types.ts';
import type { WebHookConfig, WebHookFlow } from './web-hooks.ts';

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

/**
 * The web hooks Kratos runs after `flow` finishes with `method`: the method's list when it has any
 * hook, else the global after.hooks (the same fallback as afterHooks).
 */
export function afterWebHooks(
  config: KratosConfig,
  flow: WebHookFlow,
  method = 'global',
): readonly WebHookConfig[] {
  const after = config.selfservice.web_hooks?.[flow].after ?? {};
  return after[method] ?? after.global ?? [];
}

/** The web hooks Kratos runs when a `flow` is created (before.hooks). */
export function beforeWebHooks(config: KratosConfig, flow: WebHookFlow): readonly WebHookConfig[] {
  return config.selfservice.web_hooks?.[flow].before ?? [];
}

// `vestibule/config`: one `vestibule.yml`, validated into a frozen, typed object; every problem
// names its key path.
/**
 * @example
 * ```ts
 * import { loadConfigFile, assertServable } from 'vestibule/config';
 * const { config, warnings } = loadConfigFile('vestibule.yml'); // throws InvalidConfig naming each key
 * assertServable(config);
 * ```
 */
export {
  loadConfigFile,
  loadConfigText,
  loadConfigObject,
  formatPath,
  InvalidConfig,
} from './load.ts';
export type { ConfigWarning, LoadedConfig, LoadOptions } from './load.ts';
export {
  assertServable,
  DOCUMENTED_EXAMPLE_SECRETS,
  listensBeyondLoopback,
} from './requirements.ts';
export { applyEnvOverrides, ENV_OVERRIDES } from './env.ts';
export { parseDuration } from './duration.ts';
export { RULE_MODES } from './schema.ts';
export type { EdgeConfig, EdgeConfigInput, GatewayRuleConfig } from './schema.ts';

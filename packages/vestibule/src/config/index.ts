export {
  loadConfigFile,
  loadConfigText,
  loadConfigObject,
  formatPath,
  InvalidConfig,
} from './load.ts';
export type { ConfigWarning, LoadedConfig, LoadOptions } from './load.ts';
export { assertServable } from './requirements.ts';
export { ENV_OVERRIDES } from './env.ts';
export { parseDuration } from './duration.ts';
export { RULE_MODES } from './schema.ts';
export type { EdgeConfig, EdgeConfigInput, GatewayRuleConfig } from './schema.ts';

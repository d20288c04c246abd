export type { KratosConfig, FlowConfig } from './types.ts';
export { ConfigError, type ConfigWarning } from './check.ts';
export {
  parseConfig,
  normaliseDSN,
  resolveSchemaURL,
  type ParseOptions,
  type ParsedConfig,
} from './parse.ts';
export {
  loadConfig,
  defaultConfig,
  devConfigObject,
  deepMerge,
  SHIPPED_CONFIG_DIR,
  SHIPPED_CONFIG_PATH,
  SHIPPED_SCHEMA_PATH,
  type ConfigOverrides,
} from './load.ts';
export { parseGoDuration, formatGoDuration, parseByteSize } from './duration.ts';
export { configEnvNames } from './env.ts';
export { afterHooks, registrationAfterHooks } from './hooks.ts';

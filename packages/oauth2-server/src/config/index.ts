export { loadConfig, parseConfig, type HydraConfigInput } from './load.ts';
export { parseDuration } from './duration.ts';
export { ConfigError, type HydraConfig } from './types.ts';

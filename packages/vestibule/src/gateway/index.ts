export { createGateway } from './gateway.ts';
export type { Gateway } from './gateway.ts';
export type { ForwardPlan } from './plan.ts';
export type { GatewayOptions } from './options.ts';
export { compileRules, ACCESS_MODES } from '../access/rules.ts';
export type { AccessMode, AccessRuleConfig, CompiledRule, RuleSet } from '../access/rules.ts';
export type { PermissionCheck, PermissionCheckInput } from './authorize.ts';
export type { RevocationRequest } from './revoke.ts';
export { globToRegExp } from '../access/glob.ts';
export { normaliseTarget } from '../access/target.ts';
export {
  canonicalHeaderName,
  filterRequestHeaders,
  isIdentityHeader,
} from '../upstream/headers.ts';
export { importOathkeeperRules, loadOathkeeperRulesFile } from '../oathkeeper/import.ts';
export type { OathkeeperImport } from '../oathkeeper/import.ts';

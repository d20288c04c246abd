// `vestibule/gateway`: the identity-aware reverse proxy — access rules, session cache, signed
// identity headers — and the Oathkeeper rule importer.
/**
 * @example
 * ```ts
 * import { compileRules } from 'vestibule/gateway';
 * const rules = compileRules([{ path: '/admin/**', mode: 'role', roles: ['admin'] }, { path: '/**', mode: 'optional' }]);
 * ```
 */
export { createGateway } from './gateway.ts';
export type { Gateway, GatewayNote } from './gateway.ts';
export type { ForwardPlan } from './plan.ts';
export type { GatewayObserver, GatewayOptions } from './options.ts';
export { compileRules, ACCESS_MODES } from '../access/rules.ts';
export type { AccessMode, AccessRuleConfig, CompiledRule, RuleSet } from '../access/rules.ts';
export type { PermissionCheck, PermissionCheckInput } from './authorize.ts';
export type { RevocationRequest } from './revoke.ts';
export { importOathkeeperRules, loadOathkeeperRulesFile } from '../oathkeeper/import.ts';
export type { OathkeeperImport } from '../oathkeeper/import.ts';
/**
 * The signed identity-header contract as the edge writes it (docs/identity-headers.md): for apps'
 * tests that stand in for the edge, and for other edges.
 *
 * @example
 * ```ts
 * import { encodeIdentity, signIdentityHeaders } from 'vestibule/gateway';
 * const target = { method: 'GET', path: '/notes?page=2' }; // what the upstream receives
 * const headers = signIdentityHeaders(secret, target, encodeIdentity({ id, email, role: 'user' }));
 * ```
 */
export {
  encodeIdentity,
  signIdentityHeaders,
  HEADER_SIGNATURE,
  HEADER_USER_EMAIL,
  HEADER_USER_ID,
  HEADER_USER_ROLE,
} from '../identity-headers/index.ts';
export type { IdentityValues, SignedRequestTarget } from '../identity-headers/index.ts';

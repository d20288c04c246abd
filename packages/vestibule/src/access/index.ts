// The access kernel: decisions as data, the login redirect and its loop guard, and the access rules
// and request-target normalisation that the gateway and the Next.js middleware share.
export {
  badTargetDecision,
  denyDecision,
  loginRedirectDecision,
  sessionNotVisibleDecision,
  sessionRequiredDecision,
  secondFactorRequiredDecision,
  toResponse,
  wantsHTML,
} from './decision.ts';
export type { Decision, DenyInput } from './decision.ts';
export { crossSiteDecision, isCrossSiteRequest } from './cross-site.ts';
export type { CrossSiteInput } from './cross-site.ts';
export { checkLoginLoop, LOOP_COOKIE, loopCookieName } from './login-loop.ts';
export type { LoopCheck } from './login-loop.ts';
export { isValidLoginURL, loginRedirectOrRefusal } from './login-redirect.ts';
export type { LoginRedirectInput } from './login-redirect.ts';
export { ACCESS_MODES, compileRules } from './rules.ts';
export type { AccessMode, AccessRuleConfig, CompiledRule, RuleSet } from './rules.ts';
export { globToRegExp } from './glob.ts';
export { normaliseTarget, targetOf } from './target.ts';
export type { RequestTarget } from './target.ts';

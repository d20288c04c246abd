export { createVestibule, targetOf } from './vestibule.ts';
export type {
  AuthResult,
  IdentityRead,
  ProfileSync,
  RequestLike,
  Vestibule,
  VestibuleOptions,
} from './vestibule.ts';
export { DEFAULT_ROLE, emailOf, roleOf, userFromSession } from '../session/user.ts';
export type { User } from '../session/user.ts';
export { createHeaderVerifier } from '../identity-headers/verify.ts';
export type {
  HeaderVerdict,
  HeaderVerifier,
  HeaderVerifierOptions,
  InvalidReason,
} from '../identity-headers/verify.ts';
export * from '../identity-headers/sign.ts';
export { denyDecision, loginRedirectDecision, toResponse, wantsHTML } from '../access/decision.ts';
export type { Decision } from '../access/decision.ts';
export { checkLoginLoop, LOOP_COOKIE, loopCookieName } from '../access/login-loop.ts';
export { KratosUnavailable } from '../lib/errors.ts';

export { createVestibule, targetOf } from './vestibule.ts';
export type {
  AuthResult,
  IdentityRead,
  ProfileSync,
  RequestLike,
  Vestibule,
  VestibuleOptions,
} from './vestibule.ts';
export { DEFAULT_ROLE, emailOf, roleOf, userFromSession } from './user.ts';
export type { User } from './user.ts';
export { createHeaderVerifier } from './verify-headers.ts';
export type {
  HeaderVerdict,
  HeaderVerifier,
  HeaderVerifierOptions,
  InvalidReason,
} from './verify-headers.ts';
export * from './identity-headers.ts';
export { denyDecision, loginRedirectDecision, toResponse, wantsHTML } from './responses.ts';
export type { Decision } from './responses.ts';
export { checkLoginLoop, LOOP_COOKIE, loopCookieName } from './login-loop.ts';
export { KratosUnavailable } from '../lib/errors.ts';

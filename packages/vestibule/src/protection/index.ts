// Login protection (issue 12): the edge's submit pipeline, lockout, audit log, unlock.
export { openLoginProtection, protectionState, storeLocation, rulesOf } from './setup.ts';
export type { LoginProtection, LoginProtectionOptions, ProtectionState } from './setup.ts';
export { createSubmitProtection } from './pipeline.ts';
export type { SubmitProtection } from './pipeline.ts';
export { InProcessAttemptCounters } from './in-process-attempts.ts';
export { SharedAttemptCounters } from './shared-attempts.ts';
export type { AttemptCounters, AttemptRule, Reservation } from './attempts.ts';
export { AuditLog, AUDIT_EVENTS } from './audit.ts';
export type { AuditEventName, AuditInput, AuditQuery, AuditRecord } from './audit.ts';
export type { LockoutAdmin, LockoutEntry } from './lockouts.ts';
export type { SecurityNotice, SecurityNotifier } from './notifier.ts';
export type { CaptchaSettings, ProtectionRules, SubmitProtectionOptions } from './options.ts';
export { CAPTCHA_HEADER } from './captcha-step.ts';
export { normaliseIdentifier, addressKey } from './keys.ts';
export { openEdgeStore } from '../store/index.ts';
export type { EdgeStore } from '../store/index.ts';
export type { CaptchaOutcome, CaptchaProvider, CaptchaVerifier } from '../captcha/verifier.ts';

// What the submit pipeline is built from: the store's counters and audit log, the rules from
// vestibule.yml, the optional captcha verifier and security notifier.
import type { CaptchaVerifier } from '../captcha/verifier.ts';
import type { Logger } from '../lib/logger.ts';
import type { AttemptCounters, AttemptRule } from './attempts.ts';
import type { AuditLog } from './audit.ts';
import type { SecurityNotifier } from './notifier.ts';
import type { SecondFactorSessions } from './second-factor-sessions.ts';
import type { SubmitFlow } from './submit.ts';

export interface ThrottleRules {
  sendPerIdentifier: AttemptRule;
  sendPerAddress: AttemptRule;
  codePerFlow: AttemptRule;
  codePerAddress: AttemptRule;
}

export interface ProtectionRules {
  login: { identifier: AttemptRule; address: AttemptRule };
  recovery: ThrottleRules;
  verification: ThrottleRules;
}

export interface CaptchaSettings {
  verifier: CaptchaVerifier;
  registration: boolean;
  recovery: boolean;
  /** Always, never, or after this many recent failures for the identifier or the address. */
  login: 'always' | 'never' | { afterFailures: number };
}

export interface SignedInIdentity {
  id: string;
  email?: string | undefined;
}

export interface SubmitProtectionOptions {
  /** `proxy.prefix`: the pipeline looks at submits under it. */
  prefix: string;
  counters: AttemptCounters;
  audit: AuditLog;
  rules: ProtectionRules;
  /** The proxy's body limit: a protected body is read whole, never beyond it. */
  maxBodyBytes: number;
  /** Kratos's session cookie name: a submit answered with it set was accepted. */
  sessionCookie: string;
  pageURL(flow: SubmitFlow, flowId: string | undefined): string;
  secureCookies: boolean;
  trustProxy: boolean;
  captcha?: CaptchaSettings | undefined;
  /** Who a credential belongs to (whoami), for settings and recovery notices. */
  identityOf?: ((headers: Headers) => Promise<SignedInIdentity | undefined>) | undefined;
  notifier?: SecurityNotifier | undefined;
  /** Ties aal1 sessions to their first factor's identifier (second-factor guesses per identifier). */
  secondFactors?: SecondFactorSessions | undefined;
  logger: Logger;
  now: () => number;
}

export interface SubmitContext {
  requestId: string;
  clientAddress: string | undefined;
  log: Logger;
}

export type SubmitHandler = (request: Request, context: SubmitContext) => Promise<Response>;

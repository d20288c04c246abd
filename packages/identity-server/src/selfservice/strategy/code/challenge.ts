// The one-time code (or link token) a recovery or verification flow waits for. It lives in the
// flow's server-side `internal` state, HMAC-hashed (code.ts), with its own expiry
// (selfservice.methods.code.config.lifespan) and an attempt counter: Kratos rejects a flow's
// codes after 5 wrong submissions ("The request was submitted too often"), even a right one later.
import { randomBytes } from 'node:crypto';
import type { ServerContext } from '../../../driver/context.ts';
import type { FlowRecord } from '../../../persistence/types.ts';
import { codeMatches, codeSecret, generateCode, hashCode, hashMatches } from './code.ts';

export const MAX_CODE_SUBMISSIONS = 5;

export interface Challenge {
  /** HMAC of the code; absent when the address was unknown (every code is then wrong). */
  code_hash?: string;
  /** HMAC of a link token (admin recovery links, the `link` method). */
  token_hash?: string;
  expires_at: string;
  /** The address the code went to, as submitted (normalised). */
  address: string;
  identity_id?: string;
  /** Admin-issued codes do not mark the address verified (Kratos RecoveryCodeTypeAdmin). */
  origin: 'self_service' | 'admin';
  submissions: number;
}

export type ChallengeResult = 'ok' | 'wrong' | 'expired' | 'too_often';

export function challengeOf(flow: FlowRecord): Challenge | undefined {
  const c = flow.internal.challenge;
  return typeof c === 'object' && c !== null ? (c as Challenge) : undefined;
}

interface IssueOptions {
  address: string;
  identityId?: string;
  origin?: Challenge['origin'];
  lifespanMs?: number;
  /** Also mint a link token (returned) beside the code. */
  withToken?: boolean;
}

/** Stores a fresh challenge on the flow (replacing any earlier one) and returns the secrets. */
export function issueChallenge(
  ctx: ServerContext,
  flow: FlowRecord,
  options: IssueOptions,
): { code: string; token?: string; expiresAt: Date } {
  const secret = codeSecret(ctx.config.secrets);
  const code = generateCode();
  const token = options.withToken ? randomBytes(24).toString('base64url') : undefined;
  const lifespan = options.lifespanMs ?? ctx.config.selfservice.methods.code.lifespan_ms;
  const expiresAt = new Date(ctx.clock.now().getTime() + lifespan);
  const challenge: Challenge = {
    ...(options.identityId ? { code_hash: hashCode(code, secret) } : {}),
    ...(token && options.identityId ? { token_hash: hashCode(token, secret) } : {}),
    expires_at: expiresAt.toISOString(),
    address: options.address,
    ...(options.identityId ? { identity_id: options.identityId } : {}),
    origin: options.origin ?? 'self_service',
    submissions: 0,
  };
  flow.internal = { ...flow.internal, challenge };
  return { code, ...(token ? { token } : {}), expiresAt };
}

/**
 * Checks a submitted code (or token) and counts the attempt on the flow; the caller saves it.
 * A wrong value costs one HMAC whatever the stored state, so timing says nothing about it.
 */
export function checkChallenge(
  ctx: ServerContext,
  flow: FlowRecord,
  submitted: unknown,
  kind: 'code' | 'token' = 'code',
): ChallengeResult {
  const secret = codeSecret(ctx.config.secrets);
  const challenge = challengeOf(flow);
  const stored = (kind === 'code' ? challenge?.code_hash : challenge?.token_hash) ?? '';
  const matches =
    kind === 'code'
      ? codeMatches(submitted, stored || '00', secret)
      : typeof submitted === 'string' && hashMatches(submitted, stored, secret) && stored !== '';
  if (!challenge) return 'wrong';
  challenge.submissions += 1;
  if (challenge.submissions > MAX_CODE_SUBMISSIONS) return 'too_often';
  if (!matches) return 'wrong';
  if (Date.parse(challenge.expires_at) <= ctx.clock.now().getTime()) return 'expired';
  return 'ok';
}

// A rule's rate limit, applied once the rule has let the caller in (so a refused caller is told why
// it was refused, not that it is too fast): per identity id for signed-in callers, per client address
// otherwise. The answer over the limit is 429 with Retry-After and the IETF draft's RateLimit-*
// fields, in the one error body.
import type { IncomingMessage } from 'node:http';
import { denyDecision, wantsHTML, type Decision } from '../access/decision.ts';
import type { CompiledRule } from '../access/rules.ts';
import type { Logger } from '../lib/logger.ts';
import { countedAddress } from '../rate-limit/client-address.ts';
import type { RateLimiters, RateVerdict } from '../rate-limit/limiter.ts';
import type { HeaderReader } from '../session/credential.ts';
import type { User } from '../session/user.ts';

export interface RateLimitCheck {
  (
    rule: CompiledRule,
    user: User | null | undefined,
    req: IncomingMessage,
    request: { requestId: string; headers: HeaderReader },
  ): Promise<Decision | undefined>;
}

export function createRateLimitCheck(
  limiters: RateLimiters,
  trustProxy: boolean,
  logger: Logger,
): RateLimitCheck {
  return async (rule, user, req, request) => {
    const limits = rule.rateLimit!;
    const spec = user ? limits.perIdentity : limits.perAnonymousAddress;
    if (!spec) return undefined;
    const key = user
      ? `id:${user.id}`
      : `ip:${countedAddress(req.socket.remoteAddress, firstValue(req.headers['x-forwarded-for']), trustProxy)}`;
    let verdict: RateVerdict;
    try {
      verdict = await limiters.consume(`${rule.id}:${user ? 'identity' : 'address'}`, spec, key);
    } catch (err) {
      // A limit protects capacity; the access decision is already made. Counting failed: let it pass.
      logger.error('rate limit could not be counted; request allowed', {
        requestId: request.requestId,
        rule: rule.id,
        err,
      });
      return undefined;
    }
    if (verdict.allowed) return undefined;
    return denyDecision({
      status: 429,
      code: 'RATE_LIMITED',
      message: `Too many requests. Try again in ${verdict.resetSeconds} seconds.`,
      requestId: request.requestId,
      html: wantsHTML(request.headers),
      headers: {
        'retry-after': String(verdict.resetSeconds),
        'ratelimit-limit': String(verdict.limit),
        'ratelimit-remaining': String(verdict.remaining),
        'ratelimit-reset': String(verdict.resetSeconds),
        'ratelimit-policy': `${verdict.limit};w=${verdict.windowSeconds}`,
      },
    });
  };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

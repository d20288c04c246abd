// Every outbound call (Kratos, Hydra, Keto, captcha) goes through here: a timeout via AbortSignal,
// `redirect: 'manual'`, and transport failures mapped to typed errors (the @fastify/reply-from habit).
import { KratosUnavailable } from './errors.ts';

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface OutboundOptions {
  fetch?: FetchLike;
  timeoutMs: number;
  /** Used in error messages and logs only; never shown to end users. */
  service: string;
}

export async function callOutbound(
  url: string | URL,
  init: RequestInit,
  options: OutboundOptions,
): Promise<Response> {
  const doFetch = options.fetch ?? fetch;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
  try {
    return await doFetch(url, { ...init, redirect: 'manual', signal });
  } catch (err) {
    if (timeout.aborted) {
      throw new KratosUnavailable(
        `${options.service} did not answer within ${options.timeoutMs}ms`,
        {
          cause: err,
          timeout: true,
        },
      );
    }
    throw new KratosUnavailable(`${options.service} is unreachable: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

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
    throw timeout.aborted ? timedOut(options, err) : unreachable(options, err);
  }
}

function timedOut(options: OutboundOptions, cause: unknown): KratosUnavailable {
  return new KratosUnavailable(`${options.service} did not answer within ${options.timeoutMs}ms`, {
    cause,
    timeout: true,
  });
}

function unreachable(options: OutboundOptions, cause: unknown): KratosUnavailable {
  return new KratosUnavailable(`${options.service} is unreachable: ${(cause as Error).message}`, {
    cause,
  });
}

/**
 * callOutbound with the answer read inside the timeout (`read` gets the response, its result is
 * returned), on a timer cleared as soon as the read is done. For calls on a hot path (whoami on
 * every session-cache miss): AbortSignal.timeout's timer cannot be cleared, so each call's signal,
 * and the fetch state listening to it, stays reachable for the whole timeout after the answer.
 * (Measured: no RSS difference on its own in bench/memory.bench.ts; the heap growth was V8's
 * growing factor, see the CLI's serve-heap.ts.)
 */
export async function callOutboundRead<T>(
  url: string | URL,
  init: RequestInit,
  options: OutboundOptions,
  read: (response: Response) => Promise<T>,
): Promise<T> {
  const doFetch = options.fetch ?? fetch;
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException('timed out', 'TimeoutError')),
    options.timeoutMs,
  );
  // Unref'd like AbortSignal.timeout's: a pending call does not keep a closing process alive.
  timer.unref();
  try {
    let response: Response;
    try {
      response = await doFetch(url, { ...init, redirect: 'manual', signal: controller.signal });
    } catch (err) {
      throw controller.signal.aborted ? timedOut(options, err) : unreachable(options, err);
    }
    try {
      return await read(response);
    } catch (err) {
      if (controller.signal.aborted) throw timedOut(options, err);
      throw err;
    }
  } finally {
    clearTimeout(timer);
  }
}

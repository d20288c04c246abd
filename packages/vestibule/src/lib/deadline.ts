// A deadline for an undici call: one timer, and an EventEmitter undici listens to (undici documents
// `signal` as an AbortSignal or an EventEmitter that emits 'abort'). An AbortController per request
// (plus undici's EventTarget listener on its signal) was a measurable share of the proxy's CPU per
// request; `AbortSignal.timeout()` costs about 15x more again on Node 20.
// undici only notes an abort while a request still waits for a socket (queued in a pool, or while
// its connection is being made: up to undici's 10 s connect timeout), so `within()` is what makes the
// caller's wait end at the deadline whatever undici is doing.
import { EventEmitter } from 'node:events';

export class Deadline extends EventEmitter {
  aborted = false;
  reason: Error | undefined;
  private readonly timer: NodeJS.Timeout;

  /** `what` names the call in the abort reason, e.g. "The Kratos call". */
  constructor(
    timeoutMs: number,
    private readonly what: string,
  ) {
    super();
    this.timer = setTimeout(fire, timeoutMs, this);
    // Like AbortSignal.timeout's: a pending call does not keep a closing process alive.
    this.timer.unref();
  }

  clear(): void {
    clearTimeout(this.timer);
  }

  /** `work`, or a rejection with the timeout's reason as soon as the deadline passes. */
  within<T>(work: Promise<T>): Promise<T> {
    if (this.aborted) return Promise.reject(this.reason);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(this.reason);
      this.once('abort', onAbort);
      work.then(
        (value) => {
          this.off('abort', onAbort);
          resolve(value);
        },
        (err: unknown) => {
          this.off('abort', onAbort);
          reject(err);
        },
      );
    });
  }

  /** @internal the timer's callback */
  expire(): void {
    this.aborted = true;
    this.reason = new DOMException(`${this.what} timed out`, 'TimeoutError');
    this.emit('abort');
  }
}

function fire(deadline: Deadline): void {
  deadline.expire();
}

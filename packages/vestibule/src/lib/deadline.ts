// A whole-exchange deadline for an undici call: one timer, and an EventEmitter undici listens to
// (undici documents `signal` as an AbortSignal or an EventEmitter that emits 'abort'). An
// AbortController per request (plus undici's EventTarget listener on its signal) was a measurable
// share of the proxy's CPU per request; `AbortSignal.timeout()` costs about 15x more again on Node 20.
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

// Request bodies streamed to Kratos: counted on the way through, never buffered. Past the proxy's
// limit (or past/short of the client's declared Content-Length) the stream errors, so undici aborts
// the upload and Kratos never sees a truncated body it could mistake for a whole one.
import type { Logger } from '../lib/logger.ts';
import { BodyTooLarge } from './body.ts';

/** Why a metered body stopped before its end; `undefined` while it is whole so far. */
export type BodyFailure = 'too-large' | 'length-mismatch' | 'client-aborted';

export class BodyLengthMismatch extends Error {
  constructor(declared: number, seen: string) {
    super(`request body ${seen} than its Content-Length of ${declared} bytes`);
    this.name = 'BodyLengthMismatch';
  }
}

export interface MeterLimits {
  /** Most bytes forwarded; one more and the body fails with `too-large`. */
  limit: number;
  /** The client's Content-Length, forwarded to Kratos: the bytes sent must match it exactly. */
  declared?: number;
}

export class MeteredBody {
  failure: BodyFailure | undefined;
  /**
   * The upload was stopped (by undici: deadline, or Kratos gone) while waiting for the client's next
   * bytes: with a deadline, the slow party was the client, not Kratos.
   */
  stalled = false;
  private waiting = false;
  readonly stream: ReadableStream<Uint8Array>;
  private size = 0;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(
    source: ReadableStream<Uint8Array>,
    private readonly limits: MeterLimits,
  ) {
    this.reader = source.getReader();
    this.stream = new ReadableStream<Uint8Array>({
      pull: (controller) => this.pull(controller),
      // undici gave up on the upload (Kratos closed, deadline): stop reading the client's body too.
      cancel: (reason) => {
        this.stalled = this.waiting;
        return this.reader.cancel(reason).catch(() => undefined);
      },
    });
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      this.waiting = true;
      chunk = await this.reader.read();
    } catch (err) {
      return this.fail(controller, 'client-aborted', err);
    } finally {
      this.waiting = false;
    }
    const { declared, limit } = this.limits;
    if (chunk.done) {
      if (declared !== undefined && this.size !== declared) {
        return this.fail(
          controller,
          'length-mismatch',
          new BodyLengthMismatch(declared, 'shorter'),
        );
      }
      return controller.close();
    }
    this.size += chunk.value.byteLength;
    if (this.size > limit) return this.fail(controller, 'too-large', new BodyTooLarge(limit));
    if (declared !== undefined && this.size > declared) {
      return this.fail(controller, 'length-mismatch', new BodyLengthMismatch(declared, 'longer'));
    }
    controller.enqueue(chunk.value);
  }

  private fail(
    controller: ReadableStreamDefaultController<Uint8Array>,
    failure: BodyFailure,
    err: unknown,
  ): void {
    // Set before the error reaches undici, so the exchange's failure is already explained.
    this.failure = failure;
    // The rest of the client's body is left unread rather than cancelled: cancelling destroys the
    // incoming socket under Node, and the client would see a reset instead of our 413.
    this.reader.releaseLock();
    controller.error(err);
  }

  /**
   * The exchange logs a failed Kratos call as a warning ("kratos is unreachable"). When the call
   * failed because this body was cut off on purpose or by the client, Kratos is fine: the handler
   * logs that once at info, and the exchange's line drops to debug.
   */
  /** The exchange hit its deadline (504) while the client still owed body bytes. */
  clientTooSlow(status: unknown): boolean {
    return this.failure === undefined && this.stalled && status === 504;
  }

  quiet(logger: Logger): Logger {
    return {
      debug: (msg, fields) => logger.debug(msg, fields),
      info: (msg, fields) => logger.info(msg, fields),
      warn: (msg, fields) =>
        this.failure === undefined && !this.clientTooSlow(fields?.status)
          ? logger.warn(msg, fields)
          : logger.debug(msg, {
              ...fields,
              err: causeOf(fields?.err),
              bodyFailure: this.failure ?? 'too-slow',
            }),
      error: (msg, fields) => logger.error(msg, fields),
      child: (fields) => logger.child(fields),
    };
  }
}

/** The transport wraps every failure as "kratos is unreachable: …"; here only its cause is true. */
function causeOf(err: unknown): unknown {
  return err instanceof Error && err.cause !== undefined ? err.cause : err;
}

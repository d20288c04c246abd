// The courier queues messages in the persister and dispatches them, recording every attempt as
// Kratos does (ory/kratos courier/courier_dispatcher.go): status `queued` → `processing` → `sent`;
// a failed attempt adds a `failed` dispatch and puts the message back to `queued`; once
// `send_count` exceeds `courier.message_retries` (default 5) the message is `abandoned`; an SMTP
// 5xx reply abandons at once. Unlike Kratos's fixed poll we wait an exponential backoff between
// attempts of one message, measured on the injected clock (so tests use a fake clock, never sleeps).
import { randomUUID } from 'node:crypto';
import type { KratosConfig } from '../config/types.ts';
import type { CourierMessage, CourierPersister } from '../persistence/types.ts';
import type { Clock } from '../x/clock.ts';
import type { Logger } from '../x/log.ts';
import { renderEmail, renderHTML, type TemplateData, type TemplateType } from './templates.ts';
import { createSMTPTransport, SMTPDeliveryError, type MailTransport } from './smtp.ts';
import { createDevMailboxTransport } from './dev-mailbox.ts';

/** What the courier needs of the server (a ServerContext has all of it). */
export interface CourierDependencies {
  config: KratosConfig;
  persister: CourierPersister;
  clock: Clock;
  log: Logger;
}

export interface CourierOptions {
  /** Where mail goes. Default: SMTP to courier.smtp.connection_uri, or the dev mailbox when it is empty. */
  transport?: MailTransport;
  /** Attempts beyond the first before a message is abandoned. Default: `courier.message_retries` (5). */
  messageRetries?: number;
  /** Delay before the 2nd attempt; doubles per attempt up to backoffMaxMs. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** While messages wait for a retry, how often the worker (start()) looks for due ones. */
  pollIntervalMs?: number;
  /**
   * With nothing left to retry the worker only wakes on queueEmail(); this slow fallback picks up
   * messages another process left queued (e.g. one that stopped mid-retry on a shared PostgreSQL).
   */
  idlePollIntervalMs?: number;
}

export interface Courier {
  readonly transport: MailTransport;
  /** Renders the template and queues the email; delivery starts right away in the background. */
  queueEmail(type: TemplateType, data: TemplateData): Promise<CourierMessage>;
  /**
   * Renders, stores and sends the email after the current request has answered (failures are
   * logged): a self-service request that mails a known address then costs what one for an unknown
   * address costs — no account enumeration by timing (issue 13). idle() covers it.
   */
  queueEmailAfterResponse(type: TemplateType, data: TemplateData): void;
  /**
   * Queues a mail written outside the identity server (the edge's security notifications), to be
   * delivered and listed like Kratos's own. Kratos's template enum has no type for it, so it is
   * stored as `stub` — the admin API's answers stay within Kratos's contract.
   */
  queueMail(mail: ExternalMail): Promise<CourierMessage>;
  /** One pass over the queue: abandons exhausted messages, attempts every due one. */
  dispatchQueue(): Promise<void>;
  /** Resolves when no dispatch pass is running (tests await this instead of sleeping). */
  idle(): Promise<void>;
  /** Starts the worker (one unref'd timer: event-driven while idle, polling while retrying). */
  start(): void;
  stop(): void;
  /** stop(), then waits for a pass in flight: call before closing the persister. */
  close(): Promise<void>;
}

export interface ExternalMail {
  to: string;
  subject: string;
  /** Plain text; the HTML part is derived from it at dispatch, as for every message. */
  text: string;
}

/** One recipient address, nothing that could start another header. */
const SINGLE_ADDRESS = /^[^\s@<>(),;:"\\]+@[^\s@<>(),;:"\\]+$/;

export function defaultTransport(ctx: CourierDependencies): MailTransport {
  const uri = ctx.config.courier.smtp.connection_uri;
  return uri ? createSMTPTransport(uri) : createDevMailboxTransport({ now: () => ctx.clock.now() });
}

export function createCourier(ctx: CourierDependencies, options: CourierOptions = {}): Courier {
  const transport = options.transport ?? defaultTransport(ctx);
  const retries = options.messageRetries ?? ctx.config.courier.message_retries ?? 5;
  const base = options.backoffBaseMs ?? 1_000;
  const max = options.backoffMaxMs ?? 5 * 60_000;
  const pollMs = options.pollIntervalMs ?? 1_000;
  const idlePollMs = options.idlePollIntervalMs ?? 60_000;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let started = false;
  // After close() no new pass starts: the persister may be gone.
  let closed = false;

  const now = () => ctx.clock.now().toISOString();
  const isDue = (message: CourierMessage) => {
    const last = message.dispatches.at(-1);
    if (!last || message.send_count === 0) return true;
    const wait = Math.min(max, base * 2 ** (message.send_count - 1));
    return Date.parse(last.created_at) + wait <= ctx.clock.now().getTime();
  };

  async function attempt(message: CourierMessage): Promise<void> {
    const at = now();
    message.status = 'processing';
    message.send_count += 1;
    message.updated_at = at;
    await ctx.persister.updateMessage(message);
    const { config } = ctx;
    try {
      await transport.send({
        from: { name: config.courier.smtp.from_name, address: config.courier.smtp.from_address },
        to: message.recipient,
        subject: message.subject,
        text: message.body,
        html: renderHTML(message.body),
      });
      message.status = 'sent';
      message.dispatches.push({ id: randomUUID(), status: 'success', created_at: now() });
    } catch (err) {
      const permanent = err instanceof SMTPDeliveryError && err.permanent;
      message.status = permanent ? 'abandoned' : 'queued';
      message.dispatches.push({
        id: randomUUID(),
        status: 'failed',
        error: {
          code: 500,
          status: 'Internal Server Error',
          reason: 'failed to send email via smtp',
          message: (err as Error).message,
        },
        created_at: now(),
      });
      ctx.log('warn', 'courier: unable to dispatch message', {
        message_id: message.id,
        send_count: message.send_count,
        abandoned: permanent,
      });
    }
    message.updated_at = now();
    await ctx.persister.updateMessage(message);
  }

  /** Every queued message, oldest first (Kratos NextMessages: ORDER BY created_at ASC). */
  async function queuedOldestFirst(): Promise<CourierMessage[]> {
    const newestFirst: CourierMessage[] = [];
    let pageToken: string | undefined;
    do {
      const page = await ctx.persister.listMessages({
        page_size: 100,
        status: 'queued',
        ...(pageToken ? { page_token: pageToken } : {}),
      });
      newestFirst.push(...page.items);
      pageToken = page.next_page_token;
    } while (pageToken);
    return newestFirst.reverse();
  }

  /** Returns whether messages are still queued (waiting for a retry) after the pass. */
  async function pass(): Promise<boolean> {
    let waiting = false;
    // Oldest first: mails queued together arrive in the order they were queued.
    for (const message of await queuedOldestFirst()) {
      if (message.send_count > retries) {
        message.status = 'abandoned';
        message.updated_at = now();
        await ctx.persister.updateMessage(message);
        ctx.log('warn', 'courier: message abandoned', { message_id: message.id });
      } else {
        if (isDue(message)) await attempt(message);
        if (message.status === 'queued') waiting = true;
      }
    }
    return waiting;
  }

  // The worker is one timer, re-armed after every pass. An empty queue costs no database query
  // until queueEmail() wakes it (PGlite has a single connection: a 1 s poll would compete with
  // every request); only while retries are pending does it poll at pollIntervalMs, as Kratos's
  // courier worker does.
  function arm(delayMs: number): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (!started || closed) return;
    timer = setTimeout(() => {
      timer = undefined;
      dispatchQueue().catch(() => {});
    }, delayMs);
    timer.unref();
  }

  // Passes never overlap: each waits for the previous one, so one message is never sent twice.
  function dispatchQueue(): Promise<void> {
    const next = running.then(async () => {
      if (closed) return;
      try {
        arm((await pass()) ? pollMs : idlePollMs);
      } catch (err) {
        arm(pollMs); // the database may be back by then
        throw err;
      }
    });
    running = next.catch((err: unknown) => {
      ctx.log('error', 'courier: dispatch pass failed', { error: (err as Error).message });
    });
    return next;
  }

  async function enqueue(
    recipient: string,
    subject: string,
    body: string,
    templateType: string,
  ): Promise<CourierMessage> {
    const at = now();
    const message: CourierMessage = {
      id: randomUUID(),
      type: 'email',
      status: 'queued',
      recipient,
      subject,
      body,
      template_type: templateType,
      send_count: 0,
      dispatches: [],
      created_at: at,
      updated_at: at,
    };
    await ctx.persister.createMessage(message);
    // Delivery starts on a later turn of the event loop, never in the microtasks of the request
    // that queued the mail (see queueEmailAfterResponse). idle() still covers this pass.
    running = running.then(nextTurn);
    dispatchQueue().catch(() => {}); // logged by dispatchQueue
    return message;
  }

  const courier: Courier = {
    transport,
    async queueEmail(type, data) {
      const rendered = renderEmail(type, data);
      return enqueue(data.to, rendered.subject, rendered.text, type);
    },
    async queueMail(mail) {
      if (typeof mail?.to !== 'string' || !SINGLE_ADDRESS.test(mail.to)) {
        throw new TypeError('courier.queueMail: mail.to must be one email address');
      }
      if (typeof mail.subject !== 'string' || typeof mail.text !== 'string') {
        throw new TypeError('courier.queueMail: mail.subject and mail.text must be strings');
      }
      // A subject is a header: no line breaks, as renderEmail() ensures for the built-in templates.
      const subject = mail.subject.replace(/[\r\n]+/g, ' ');
      return enqueue(mail.to, subject, mail.text, 'stub');
    },
    queueEmailAfterResponse(type, data) {
      running = running
        .then(nextTurn)
        .then(() => courier.queueEmail(type, data))
        .then(
          () => {},
          (err: unknown) => {
            ctx.log('error', 'courier: unable to queue message', {
              template_type: type,
              error: (err as Error).message,
            });
          },
        );
    },
    dispatchQueue,
    async idle() {
      // A pass or a deferred queueing may chain more work while we wait: wait until none is left.
      let seen: Promise<void>;
      do {
        seen = running;
        await seen;
      } while (seen !== running);
    },
    start() {
      if (started) return;
      started = true;
      // One pass right away: messages queued before a restart are not left waiting for the fallback.
      arm(0);
    },
    stop() {
      started = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      transport.close?.();
    },
    async close() {
      this.stop();
      closed = true;
      await running;
    },
  };
  return courier;
}

/** Resolves on a later turn of the event loop, after the current request has answered. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

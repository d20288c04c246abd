// The dev stack's mail sink: instead of an SMTP server, delivered mail is kept in process (bounded),
// so a person can click through recovery and verification without a mail server. The courier still
// records each message as `sent` in the persister, which is what the edge's /dev/mailbox page reads
// through GET /admin/courier/messages — the same endpoint real Kratos (with --dev) offers.
import type { MailTransport, OutgoingMail } from './smtp.ts';

export interface DeliveredMail extends OutgoingMail {
  delivered_at: string;
}

export interface DevMailboxTransport extends MailTransport {
  /** Newest first. */
  messages(): DeliveredMail[];
  clear(): void;
}

export function createDevMailboxTransport(
  options: { limit?: number; now?: () => Date } = {},
): DevMailboxTransport {
  const limit = options.limit ?? 500;
  const now = options.now ?? (() => new Date());
  let mails: DeliveredMail[] = [];
  return {
    send(mail) {
      mails.unshift({ ...mail, delivered_at: now().toISOString() });
      // Bounded so a long-running dev server cannot grow without limit.
      if (mails.length > limit) mails = mails.slice(0, limit);
      return Promise.resolve();
    },
    messages: () => [...mails],
    clear() {
      mails = [];
    },
  };
}

// A SecurityNotifier over anything that can queue or send one mail: the embedded identity server's
// courier in the dev stack (`IdentityServer.queueMail`, shown at /dev/mailbox), or an SMTP sink in
// production (`@vestibule/cli`; this package installs no mail library). The notice is rendered here
// (notice-mail.ts), so every sink sends the same words.
import { renderSecurityNotice, type NoticeMail, type NoticeMailOptions } from './notice-mail.ts';
import type { SecurityNotice, SecurityNotifier } from './notifier.ts';

export interface MailSink {
  /** Resolves once the mail is queued or handed over; rejects when it cannot be. */
  queueMail(mail: NoticeMail): Promise<unknown>;
}

/**
 * @example
 * ```ts
 * const notifier = createMailNotifier(identityServer); // or an SMTP sink
 * await notifier.notify({ kind: 'password_changed', to, identityId, at: new Date(), requestId });
 * ```
 */
export function createMailNotifier(
  sink: MailSink,
  options: NoticeMailOptions = {},
): SecurityNotifier {
  if (typeof sink?.queueMail !== 'function') {
    throw new TypeError('createMailNotifier: sink.queueMail must be a function');
  }
  return {
    async notify(notice: SecurityNotice): Promise<void> {
      await sink.queueMail(renderSecurityNotice(notice, options));
    },
  };
}

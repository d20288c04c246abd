// `vestibule/notifications`: security notifications after Kratos accepted a change (issue 12):
// "Your password was changed", "Your email address was changed" (to the old address), "Your account
// was recovered". The edge calls `notify()`; a sink queues or sends the mail.
/**
 * @example
 * ```ts
 * import { createMailNotifier } from 'vestibule/notifications';
 * const notifier = createMailNotifier({ queueMail: async (mail) => sendSomehow(mail) });
 * await notifier.notify({ kind: 'account_recovered', to, identityId, at: new Date(), requestId });
 * ```
 */
export { createMailNotifier, type MailSink } from './mail-notifier.ts';
export {
  renderSecurityNotice,
  maskAddress,
  type NoticeMail,
  type NoticeMailOptions,
} from './notice-mail.ts';
export type { SecurityNotice, SecurityNotifier } from './notifier.ts';

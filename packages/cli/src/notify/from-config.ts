// `protection.notifications.smtp` in vestibule.yml → the SMTP notifier `vestibule serve` hands the
// edge. Absent: no notices are mailed (the demo stack uses the embedded server's courier instead).
import type { EdgeConfig } from 'vestibule/config';
import type { SMTPNotifier } from './smtp-notifier.ts';

/**
 * The SMTP transport (nodemailer) is loaded only when SMTP is configured: an edge without it never
 * holds that module in memory (issue 15).
 */
export async function notifierFromConfig(
  config: Readonly<EdgeConfig>,
): Promise<SMTPNotifier | undefined> {
  const smtp = config.protection.notifications?.smtp;
  if (!smtp) return undefined;
  const { createSMTPNotifier } = await import('./smtp-notifier.ts');
  return createSMTPNotifier({
    connectionURI: smtp.connection_uri,
    fromAddress: smtp.from_address,
    ...(smtp.from_name ? { fromName: smtp.from_name } : {}),
    ...(smtp.product_name ? { productName: smtp.product_name } : {}),
  });
}

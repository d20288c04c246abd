// `protection.notifications.smtp` in vestibule.yml → the SMTP notifier `vestibule serve` hands the
// edge. Absent: no notices are mailed (the demo stack uses the embedded server's courier instead).
import type { EdgeConfig } from 'vestibule/config';
import { createSMTPNotifier, type SMTPNotifier } from './smtp-notifier.ts';

export function notifierFromConfig(config: Readonly<EdgeConfig>): SMTPNotifier | undefined {
  const smtp = config.protection.notifications?.smtp;
  if (!smtp) return undefined;
  return createSMTPNotifier({
    connectionURI: smtp.connection_uri,
    fromAddress: smtp.from_address,
    ...(smtp.from_name ? { fromName: smtp.from_name } : {}),
    ...(smtp.product_name ? { productName: smtp.product_name } : {}),
  });
}

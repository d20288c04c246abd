// Security notifications over SMTP, for an edge in front of a real Kratos (issue 12): the notices
// are rendered by `vestibule/notifications` and handed to the identity server package's SMTP
// transport, so `connectionURI` means what Kratos's `courier.smtp.connection_uri` means (STARTTLS
// mandatory on smtp:// unless `?disable_starttls=true`; smtps:// is implicit TLS). Mail packages
// stay out of `vestibule`: an app that only reads identity installs none.
import {
  createSMTPTransport,
  renderHTML,
  type MailTransport,
} from '@vestibule/identity-server/smtp';
import { createMailNotifier, type SecurityNotifier } from 'vestibule/notifications';

export interface SMTPNotifierOptions {
  /** e.g. `smtps://user:pass@mail.example.com:465/` (Kratos's connection_uri format). */
  connectionURI: string;
  fromAddress: string;
  fromName?: string;
  /** Named in the mails ("your Acme account"). */
  productName?: string;
  /** Injected in tests; default: SMTP to `connectionURI`. */
  transport?: MailTransport;
}

export interface SMTPNotifier extends SecurityNotifier {
  close(): void;
}

export function createSMTPNotifier(options: SMTPNotifierOptions): SMTPNotifier {
  if (!/^[^\s@<>]+@[^\s@<>]+$/.test(options.fromAddress ?? '')) {
    throw new TypeError('createSMTPNotifier: options.fromAddress must be one email address');
  }
  const transport = options.transport ?? createSMTPTransport(options.connectionURI);
  const from = {
    name: (options.fromName ?? options.productName ?? 'Vestibule').replace(/[\r\n]+/g, ' '),
    address: options.fromAddress,
  };
  const notifier = createMailNotifier(
    {
      queueMail: (mail) => transport.send({ ...mail, from, html: renderHTML(mail.text) }),
    },
    options.productName ? { productName: options.productName } : {},
  );
  return { notify: (notice) => notifier.notify(notice), close: () => transport.close?.() };
}

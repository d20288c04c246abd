// `@vestibule/identity-server/smtp`: the courier's SMTP transport alone, with Kratos's
// `courier.smtp.connection_uri` semantics (STARTTLS mandatory on smtp:// unless disabled), for a
// process that mails without running the identity server — the edge's security notifications in
// front of a real Kratos. Loads nodemailer only; no database, hashing or schema packages.
/**
 * @example
 * ```ts
 * import { createSMTPTransport, renderHTML } from '@vestibule/identity-server/smtp';
 * const smtp = createSMTPTransport('smtps://user:pass@mail.example.com:465/');
 * await smtp.send({ from: { name: 'Acme', address: 'no-reply@example.com' }, to, subject, text, html: renderHTML(text) });
 * ```
 */
export {
  createSMTPTransport,
  smtpOptionsFromURI,
  SMTPDeliveryError,
  type MailTransport,
  type OutgoingMail,
} from './courier/smtp.ts';
export { renderHTML } from './courier/templates.ts';

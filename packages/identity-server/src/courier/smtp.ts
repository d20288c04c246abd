// `courier.smtp.connection_uri` → a nodemailer transport, with Kratos's URI semantics
// (ory/kratos courier/smtp.go):
//   smtp://user:pass@host:port/   plain connection upgraded with STARTTLS, which is *mandatory*
//   smtp://…/?disable_starttls=true   clear text (local test servers only)
//   smtps://user:pass@host:port/  implicit TLS (RFC 8314)
//   ?skip_ssl_verify=true          accept any certificate;  ?server_name=…  TLS SNI / name to verify
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';

export interface OutgoingMail {
  from: { name: string; address: string };
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Where the courier hands mail over. SMTP in production-like setups; the dev mailbox in the dev stack. */
export interface MailTransport {
  /** Resolves when the mail was accepted; rejects with an SMTPDeliveryError otherwise. */
  send(mail: OutgoingMail): Promise<void>;
  close?(): void;
}

/** A failed hand-over. `permanent` (SMTP 5xx) means retrying the same message cannot succeed. */
export class SMTPDeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SMTPDeliveryError';
  }
}

const TRUE = new Set(['1', 't', 'true', 'TRUE', 'True']); // Go's strconv.ParseBool

export function smtpOptionsFromURI(connectionURI: string): SMTPTransport.Options {
  let uri: URL;
  try {
    uri = new URL(connectionURI);
  } catch {
    throw new Error('config: courier.smtp.connection_uri: not a valid URI');
  }
  if (uri.protocol !== 'smtp:' && uri.protocol !== 'smtps:') {
    throw new Error('config: courier.smtp.connection_uri: scheme must be smtp:// or smtps://');
  }
  const implicitTLS = uri.protocol === 'smtps:';
  const skipVerify = TRUE.has(uri.searchParams.get('skip_ssl_verify') ?? '');
  const disableStartTLS = TRUE.has(uri.searchParams.get('disable_starttls') ?? '');
  const host = uri.hostname.replace(/^\[|\]$/g, '');
  const options: SMTPTransport.Options = {
    host,
    port: uri.port ? Number(uri.port) : implicitTLS ? 465 : 587,
    secure: implicitTLS,
    // Kratos enforces STARTTLS on smtp:// unless disabled: a server that does not offer it fails.
    requireTLS: !implicitTLS && !disableStartTLS,
    ignoreTLS: !implicitTLS && disableStartTLS,
    tls: {
      rejectUnauthorized: !skipVerify,
      servername: uri.searchParams.get('server_name') || host,
    },
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 10_000,
  };
  if (uri.username) {
    options.auth = {
      user: decodeURIComponent(uri.username),
      pass: decodeURIComponent(uri.password),
    };
  }
  return options;
}

export function createSMTPTransport(connectionURI: string): MailTransport {
  const options = smtpOptionsFromURI(connectionURI);
  // nodemailer loads on the first mail: the dev stack (its own mailbox) and a server that sends
  // nothing never load it (about 40 modules at start).
  let transporter: Promise<Transporter> | undefined;
  const transport = () =>
    (transporter ??= import('nodemailer').then((m) => m.default.createTransport(options)));
  return {
    async send(mail) {
      try {
        await (await transport()).sendMail(mail);
      } catch (err) {
        const code = (err as { responseCode?: number }).responseCode;
        // Kratos abandons a message on a 5xx reply: the server refused it for good.
        throw new SMTPDeliveryError(
          `failed to send email via smtp: ${(err as Error).message}`,
          typeof code === 'number' && code >= 500,
          { cause: err },
        );
      }
    },
    close: () => void transporter?.then((t) => t.close()),
  };
}

// The contract target with its courier delivering over SMTP to a server started here, for the SDK
// tests that read recovery and verification codes from the mail actually sent.
import { startTarget, type Target } from '../contract/harness.ts';
import type { ConfigOverrides } from '../../src/config/index.ts';
import { startSMTPServer, type TestSMTPServer } from '../courier/smtp-server.ts';

export interface MailTarget {
  target: Target;
  smtp: TestSMTPServer;
  close(): Promise<void>;
}

export async function startTargetWithMail(overrides: ConfigOverrides = {}): Promise<MailTarget> {
  const smtp = await startSMTPServer({ disabledCommands: ['STARTTLS'] });
  const courier = {
    smtp: { connection_uri: `smtp://127.0.0.1:${smtp.port}/?disable_starttls=true` },
  };
  const target = await startTarget({ ...overrides, courier });
  return {
    target,
    smtp,
    close: async () => {
      await target.close();
      await smtp.close();
    },
  };
}

/** The code in the first `recover`/`verify` mail to `to` received after mail number `since`. */
export async function mailedCode(
  smtp: TestSMTPServer,
  to: string,
  kind: 'recover' | 'verify',
  since = 0,
): Promise<string> {
  const subject = new RegExp(`Use code \\d{6} to ${kind}`);
  const mail = await smtp.waitFor(
    (m) => m.to.includes(to) && subject.test(m.raw) && smtp.mails.indexOf(m) >= since,
  );
  return /Use code (\d{6})/.exec(mail.raw)![1]!;
}

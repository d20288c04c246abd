// A real SMTP server for tests (the `smtp-server` library), collecting what it receives.
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { AddressInfo } from 'node:net';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  user?: string;
}

export interface TestSMTPServer {
  port: number;
  mails: ReceivedMail[];
  /** Resolves with the next mail received (or one already waiting). */
  nextMail(): Promise<ReceivedMail>;
  /** Resolves with the first mail (already received or coming) that matches. */
  waitFor(match: (mail: ReceivedMail) => boolean): Promise<ReceivedMail>;
  close(): Promise<void>;
}

export async function startSMTPServer(options: SMTPServerOptions = {}): Promise<TestSMTPServer> {
  const mails: ReceivedMail[] = [];
  const waiters: Array<(m: ReceivedMail) => void> = [];
  const watchers: Array<{
    match: (m: ReceivedMail) => boolean;
    resolve: (m: ReceivedMail) => void;
  }> = [];
  let consumed = 0;
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'courier' && auth.password === 's3cr3t/:@') {
        callback(null, { user: auth.username });
      } else {
        callback(new Error('Invalid username or password'));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const mail: ReceivedMail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          ...(typeof session.user === 'string' ? { user: session.user } : {}),
        };
        mails.push(mail);
        for (const w of watchers.splice(0)) {
          if (w.match(mail)) w.resolve(mail);
          else watchers.push(w);
        }
        const waiter = waiters.shift();
        if (waiter) {
          consumed += 1;
          waiter(mail);
        }
        callback();
      });
    },
    ...options,
  });
  // Refused TLS handshakes are part of the tests; the server reports them as 'error' events.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    mails,
    nextMail: () =>
      new Promise((resolve) => {
        if (consumed < mails.length) resolve(mails[consumed++]!);
        else waiters.push(resolve);
      }),
    waitFor: (match) =>
      new Promise((resolve) => {
        const seen = mails.find(match);
        if (seen) resolve(seen);
        else watchers.push({ match, resolve });
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The 6-digit code in a raw message (subject "Use code 123456 …" and the body both carry it). */
export function codeFromRawMail(raw: string): string | undefined {
  return /Use code (\d{6})/.exec(raw)?.[1];
}

// The SMTP notifier against a real SMTP server (the `smtp-server` library) on loopback: each notice
// arrives once, from the configured sender, to the one recipient, with text and HTML parts; a
// refused mail makes notify() reject.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { createSMTPNotifier } from '../../src/notify/smtp-notifier.ts';

interface Received {
  from: string;
  to: string[];
  raw: string;
}

async function startSMTP(options: { refuse?: boolean } = {}) {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (options.refuse) {
          const err = Object.assign(new Error('mailbox unavailable'), { responseCode: 550 });
          callback(err);
          return;
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    uri: `smtp://127.0.0.1:${port}/?disable_starttls=true`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const notice = {
  kind: 'email_changed' as const,
  to: 'old@example.com',
  newEmail: 'new@example.com',
  identityId: '9f3a1c2e-0000-4000-8000-000000000001',
  at: new Date('2026-12-07T10:15:00Z'),
  requestId: 'req-7',
};

test('a notice is mailed over SMTP to the old address, from the configured sender', async () => {
  const smtp = await startSMTP();
  const notifier = createSMTPNotifier({
    connectionURI: smtp.uri,
    fromAddress: 'security@acme.test',
    productName: 'Acme',
  });
  try {
    await notifier.notify(notice);
    assert.equal(smtp.received.length, 1);
    const [mail] = smtp.received;
    assert.equal(mail!.from, 'security@acme.test');
    assert.deepEqual(mail!.to, ['old@example.com']);
    assert.match(mail!.raw, /^Subject: Your email address was changed\r?$/m);
    assert.match(mail!.raw, /^From: Acme <security@acme\.test>\r?$/m);
    assert.match(mail!.raw, /text\/plain/);
    assert.match(mail!.raw, /text\/html/);
    assert.match(mail!.raw, /n\*\*\*@example\.com/);
  } finally {
    notifier.close();
    await smtp.close();
  }
});

test('a refused mail makes notify() reject; a bad sender is refused when built', async () => {
  const smtp = await startSMTP({ refuse: true });
  const notifier = createSMTPNotifier({ connectionURI: smtp.uri, fromAddress: 'a@acme.test' });
  try {
    await assert.rejects(notifier.notify(notice), /failed to send email via smtp/);
  } finally {
    notifier.close();
    await smtp.close();
  }
  assert.throws(
    () => createSMTPNotifier({ connectionURI: smtp.uri, fromAddress: 'a@b.c\r\nBcc: x@y.z' }),
    TypeError,
  );
});

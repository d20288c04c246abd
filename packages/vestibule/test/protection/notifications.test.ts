// Security notifications (issue 12): the three mails' wording and safety (one recipient, no header
// injection, the new address masked, nothing that acts on the account), and the notifier queuing
// them into the embedded identity server's courier, where /dev/mailbox reads them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentityServer, defaultConfig } from '@vestibule/identity-server';
import {
  createMailNotifier,
  maskAddress,
  renderSecurityNotice,
  type SecurityNotice,
} from '../../src/protection/notifications.ts';

const AT = new Date('2026-12-07T10:15:42.000Z');
const notice = (extra: Partial<SecurityNotice> = {}): SecurityNotice => ({
  kind: 'password_changed',
  to: 'ada@example.com',
  identityId: '9f3a1c2e-0000-4000-8000-000000000001',
  at: AT,
  requestId: 'req-42',
  ...extra,
});

test('each kind has its subject; the body says when, what to do if it was not you, and the request id', () => {
  const subjects = (['password_changed', 'email_changed', 'account_recovered'] as const).map(
    (kind) => renderSecurityNotice(notice({ kind })).subject,
  );
  assert.deepEqual(subjects, [
    'Your password was changed',
    'Your email address was changed',
    'Your account was recovered',
  ]);
  const mail = renderSecurityNotice(notice(), { productName: 'Acme' });
  assert.equal(mail.to, 'ada@example.com');
  assert.match(
    mail.text,
    /The password of your Acme account was changed on 2026-12-07 10:15 UTC\./,
  );
  assert.match(mail.text, /If this was not you/);
  assert.match(mail.text, /Reference for support: req-42/);
  assert.doesNotMatch(mail.text, /https?:\/\//, 'no link that acts on the account');
});

test('email_changed goes to the old address and shows the new one masked', () => {
  const mail = renderSecurityNotice(
    notice({ kind: 'email_changed', to: 'old@example.com', newEmail: 'new.person@example.org' }),
  );
  assert.equal(mail.to, 'old@example.com');
  assert.match(mail.text, /to n\*\*\*@example\.org\./);
  assert.doesNotMatch(mail.text, /new\.person/);
  assert.equal(maskAddress('x'), '***');
});

test('a recipient that is not one address, or an invalid date, is refused; header-ish input stays on one line', () => {
  for (const to of ['', 'a@b.c, d@e.f', 'a@b.c\r\nBcc: x@y.z', '<a@b.c>']) {
    assert.throws(() => renderSecurityNotice(notice({ to })), TypeError, to);
  }
  assert.throws(() => renderSecurityNotice(notice({ at: new Date('nope') })), TypeError);
  const mail = renderSecurityNotice(notice({ requestId: 'r1\r\nBcc: x@y.z' }), {
    productName: 'Acme\nInc',
  });
  assert.match(mail.text, /Reference for support: r1 Bcc: x@y\.z\n/);
  assert.match(mail.text, /your Acme Inc account/);
});

test('the notifier queues the mails into the embedded identity server courier (shown at /dev/mailbox)', async () => {
  const server = await createIdentityServer({
    config: defaultConfig({ courier: { smtp: { connection_uri: '' } } }),
    dev: true,
    log: () => {},
  });
  try {
    const notifier = createMailNotifier(server);
    await notifier.notify(notice());
    await notifier.notify(
      notice({ kind: 'email_changed', to: 'old@example.com', newEmail: 'new@example.com' }),
    );
    await notifier.notify(notice({ kind: 'account_recovered' }));
    await server.context.courier.idle();
    const res = await server.adminHandler(new Request('http://admin.test/admin/courier/messages'));
    const messages = (await res.json()) as Array<{
      recipient: string;
      subject: string;
      status: string;
    }>;
    assert.deepEqual(messages.map((m) => [m.recipient, m.subject, m.status]).sort(), [
      ['ada@example.com', 'Your account was recovered', 'sent'],
      ['ada@example.com', 'Your password was changed', 'sent'],
      ['old@example.com', 'Your email address was changed', 'sent'],
    ]);
  } finally {
    await server.close();
  }
});

test('a sink that fails makes notify() reject (the caller logs it; the user request is not failed)', async () => {
  const notifier = createMailNotifier({
    queueMail: () => Promise.reject(new Error('mail server down')),
  });
  await assert.rejects(notifier.notify(notice()), /mail server down/);
  assert.throws(() => createMailNotifier({} as never), TypeError);
});

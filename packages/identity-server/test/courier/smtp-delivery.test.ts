// Real SMTP round trips: the courier delivers to an SMTP server started here and the test reads the
// code from the mail that server received.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCourier } from '../../src/courier/index.ts';
import { courierTestContext } from './support.ts';
import { codeFromRawMail, startSMTPServer } from './smtp-server.ts';
import { generateCode } from '../../src/selfservice/strategy/code/code.ts';

test('smtp:// with disable_starttls: delivered with auth, the code is readable from the mail', async () => {
  const smtp = await startSMTPServer({ disabledCommands: ['STARTTLS'], allowInsecureAuth: true });
  const uri = `smtp://courier:${encodeURIComponent('s3cr3t/:@')}@127.0.0.1:${smtp.port}/?disable_starttls=true`;
  const { ctx } = courierTestContext(uri);
  const courier = createCourier(ctx);
  try {
    const code = generateCode();
    const queued = await courier.queueEmail('recovery_code_valid', {
      to: 'ada@example.org',
      code,
      expiresInMinutes: 60,
    });
    assert.equal(queued.status, 'queued');
    const mail = await smtp.nextMail();
    await courier.idle();
    assert.equal(codeFromRawMail(mail.raw), code);
    assert.deepEqual(mail.to, ['ada@example.org']);
    assert.equal(mail.from, 'no-reply@example.org');
    assert.equal(mail.user, 'courier');
    assert.match(mail.raw, /^From: Acme <no-reply@example\.org>/m);
    assert.match(mail.raw, /Content-Type: multipart\/alternative/i);
    assert.match(mail.raw, /Content-Type: text\/html/i);
    const stored = await ctx.persister.getMessage(queued.id);
    assert.equal(stored?.status, 'sent');
    assert.equal(stored?.send_count, 1);
    assert.deepEqual(
      stored?.dispatches.map((d) => d.status),
      ['success'],
    );
  } finally {
    courier.stop();
    await smtp.close();
  }
});

test('smtps:// with skip_ssl_verify delivers over implicit TLS; without it the self-signed cert is refused', async () => {
  const smtp = await startSMTPServer({ secure: true });
  const { ctx, clock } = courierTestContext(`smtps://127.0.0.1:${smtp.port}/?skip_ssl_verify=true`);
  const courier = createCourier(ctx);
  const strict = courierTestContext(`smtps://127.0.0.1:${smtp.port}/`);
  const strictCourier = createCourier(strict.ctx);
  try {
    await courier.queueEmail('verification_code_valid', { to: 'bo@example.org', code: '654321' });
    assert.equal(codeFromRawMail((await smtp.nextMail()).raw), '654321');

    const refused = await strictCourier.queueEmail('verification_code_valid', {
      to: 'bo@example.org',
      code: '111111',
    });
    await strictCourier.idle();
    const stored = await strict.ctx.persister.getMessage(refused.id);
    assert.equal(stored?.status, 'queued', 'a TLS failure is transient: the message stays queued');
    assert.equal(stored?.dispatches[0]?.status, 'failed');
    assert.match(String(stored?.dispatches[0]?.error?.message), /certificate/i);
    assert.equal(smtp.mails.length, 1);
    clock.advance(1); // unused clock keeps the fixture honest
  } finally {
    courier.stop();
    strictCourier.stop();
    await smtp.close();
  }
});

test('smtp:// without disable_starttls refuses a server that offers no STARTTLS (Kratos enforces it)', async () => {
  const smtp = await startSMTPServer({ hideSTARTTLS: true });
  const { ctx } = courierTestContext(`smtp://127.0.0.1:${smtp.port}/`);
  const courier = createCourier(ctx);
  try {
    const message = await courier.queueEmail('recovery_code_valid', {
      to: 'c@example.org',
      code: '222222',
    });
    await courier.idle();
    const stored = await ctx.persister.getMessage(message.id);
    assert.equal(stored?.status, 'queued');
    assert.equal(stored?.dispatches[0]?.status, 'failed');
    assert.equal(smtp.mails.length, 0, 'nothing may travel in clear text');
  } finally {
    courier.stop();
    await smtp.close();
  }
});

test('an SMTP 5xx reply abandons the message at once, as Kratos does', async () => {
  const smtp = await startSMTPServer({
    disabledCommands: ['STARTTLS'],
    onRcptTo(address, _session, callback) {
      const err = Object.assign(new Error('Mailbox unavailable'), { responseCode: 550 });
      callback(address.address.startsWith('nobody') ? err : undefined);
    },
  });
  const { ctx } = courierTestContext(`smtp://127.0.0.1:${smtp.port}/?disable_starttls=true`);
  const courier = createCourier(ctx);
  try {
    const message = await courier.queueEmail('recovery_code_valid', {
      to: 'nobody@example.org',
      code: '333333',
    });
    await courier.idle();
    const stored = await ctx.persister.getMessage(message.id);
    assert.equal(stored?.status, 'abandoned');
    assert.equal(stored?.send_count, 1);
    assert.match(String(stored?.dispatches[0]?.error?.message), /550|Mailbox unavailable/);
  } finally {
    courier.stop();
    await smtp.close();
  }
});

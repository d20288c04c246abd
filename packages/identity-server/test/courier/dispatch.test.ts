// Queue semantics with a scripted transport and a fake clock: retries with backoff, dispatch records,
// abandonment after courier.message_retries, and never two deliveries of one message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  createCourier,
  createDevMailboxTransport,
  type MailTransport,
  type OutgoingMail,
} from '../../src/courier/index.ts';
import { defaultConfig } from '../../src/config/index.ts';
import { courierTestContext } from './support.ts';

function flakyTransport(
  failures: number,
): MailTransport & { sent: OutgoingMail[]; attempts: number } {
  const t = {
    sent: [] as OutgoingMail[],
    attempts: 0,
    send(mail: OutgoingMail) {
      t.attempts += 1;
      if (t.attempts <= failures)
        return Promise.reject(new Error(`connection refused #${t.attempts}`));
      t.sent.push(mail);
      return Promise.resolve();
    },
  };
  return t;
}

test('a failed delivery stays queued with a failed dispatch, and is retried only after the backoff', async () => {
  const { ctx, clock } = courierTestContext();
  const transport = flakyTransport(2);
  const courier = createCourier(ctx, { transport, backoffBaseMs: 1_000 });
  const message = await courier.queueEmail('recovery_code_valid', {
    to: 'a@example.org',
    code: '123123',
  });
  await courier.idle();
  let stored = (await ctx.persister.getMessage(message.id))!;
  assert.equal(stored.status, 'queued');
  assert.equal(stored.send_count, 1);
  assert.equal(stored.dispatches[0]?.status, 'failed');
  assert.match(String(stored.dispatches[0]?.error?.message), /connection refused #1/);

  await courier.dispatchQueue(); // not due yet: no attempt
  assert.equal(transport.attempts, 1);
  clock.advance(1_000);
  await courier.dispatchQueue(); // 2nd attempt fails; next wait doubles to 2 s
  assert.equal(transport.attempts, 2);
  clock.advance(1_999);
  await courier.dispatchQueue();
  assert.equal(transport.attempts, 2);
  clock.advance(1);
  await courier.dispatchQueue();
  stored = (await ctx.persister.getMessage(message.id))!;
  assert.equal(stored.status, 'sent');
  assert.equal(stored.send_count, 3);
  assert.deepEqual(
    stored.dispatches.map((d) => d.status),
    ['failed', 'failed', 'success'],
  );
  assert.equal(transport.sent.length, 1);
  assert.equal(transport.sent[0]?.subject, 'Use code 123123 to recover access to your account');
  assert.match(transport.sent[0]!.html, /123123/);
});

test('after message_retries failed attempts beyond the first, the message is abandoned', async () => {
  const { ctx, clock } = courierTestContext();
  const transport = flakyTransport(Infinity);
  const courier = createCourier(ctx, { transport, messageRetries: 2, backoffBaseMs: 10 });
  const message = await courier.queueEmail('verification_code_valid', {
    to: 'b@example.org',
    code: '000001',
  });
  for (let i = 0; i < 5; i++) {
    await courier.idle();
    clock.advance(60_000);
    await courier.dispatchQueue();
  }
  const stored = (await ctx.persister.getMessage(message.id))!;
  assert.equal(stored.status, 'abandoned');
  assert.equal(transport.attempts, 3, 'first attempt + 2 retries');
  assert.equal(stored.send_count, 3);
  assert.equal(stored.dispatches.length, 3);
});

test('concurrent passes never deliver one message twice', async () => {
  const { ctx } = courierTestContext();
  const transport = createDevMailboxTransport();
  const courier = createCourier(ctx, { transport });
  await Promise.all([
    courier.queueEmail('recovery_code_valid', { to: 'c@example.org', code: '111111' }),
    courier.queueEmail('recovery_code_valid', { to: 'd@example.org', code: '222222' }),
  ]);
  await Promise.all([courier.dispatchQueue(), courier.dispatchQueue(), courier.dispatchQueue()]);
  await courier.idle();
  const delivered = transport
    .messages()
    .map((m) => m.to)
    .sort();
  assert.deepEqual(delivered, ['c@example.org', 'd@example.org']);
});

test('with no SMTP URI configured the courier delivers to the in-process dev mailbox', async () => {
  const { ctx } = courierTestContext('');
  const courier = createCourier(ctx);
  await courier.queueEmail('recovery_code_valid', { to: 'e@example.org', code: '987654' });
  await courier.idle();
  const mailbox = courier.transport as ReturnType<typeof createDevMailboxTransport>;
  assert.equal(mailbox.messages()[0]?.to, 'e@example.org');
  assert.match(mailbox.messages()[0]!.text, /987654/);
  const page = await ctx.persister.listMessages({ page_size: 10, status: 'sent' });
  assert.equal(page.items.length, 1);
});

test('the worker started with start() retries on its own, and stop() ends it', async () => {
  const { ctx } = courierTestContext();
  let delivered!: () => void;
  const done = new Promise<void>((resolve) => (delivered = resolve));
  let attempts = 0;
  const transport: MailTransport = {
    send() {
      attempts += 1;
      if (attempts === 1) return Promise.reject(new Error('temporary failure'));
      delivered();
      return Promise.resolve();
    },
  };
  const courier = createCourier(ctx, { transport, pollIntervalMs: 2, backoffBaseMs: 0 });
  courier.start();
  courier.start(); // idempotent
  // The worker's timer is unref'd (it must never keep a server process alive), so while this test
  // waits for the retry nothing else would keep the event loop running: hold it open ourselves.
  const keepAlive = setInterval(() => {}, 60_000);
  try {
    await courier.queueEmail('recovery_code_valid', { to: 'f@example.org', code: '121212' });
    await done; // the retry came from the worker: nobody else calls dispatchQueue here
    await courier.idle();
  } finally {
    clearInterval(keepAlive);
    courier.stop();
  }
  assert.equal(attempts, 2);
  const page = await ctx.persister.listMessages({ page_size: 10, status: 'sent' });
  assert.equal(page.items.length, 1);
});

test('courier.message_retries from the config decides when a message is abandoned (Kratos default 5)', async () => {
  assert.equal(defaultConfig().courier.message_retries, 5);
  assert.equal(defaultConfig({ courier: { message_retries: 1 } }).courier.message_retries, 1);
  assert.throws(() => defaultConfig({ courier: { message_retries: -1 } }), /message_retries/);

  const { ctx, clock } = courierTestContext();
  (ctx.config.courier as { message_retries?: number }).message_retries = 1;
  const transport = flakyTransport(Infinity);
  const courier = createCourier(ctx, { transport, backoffBaseMs: 10 });
  const message = await courier.queueEmail('recovery_code_valid', {
    to: 'c@example.org',
    code: '000002',
  });
  for (let i = 0; i < 4; i++) {
    await courier.idle();
    clock.advance(60_000);
    await courier.dispatchQueue();
  }
  const stored = (await ctx.persister.getMessage(message.id))!;
  assert.equal(stored.status, 'abandoned');
  assert.equal(transport.attempts, 2, 'first attempt + 1 retry');
});

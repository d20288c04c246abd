// The courier worker is event-driven: an empty queue costs no database query until an email is
// queued (PGlite has one connection, shared with every request), it polls only while a retry is
// pending, and a slow fallback picks up messages another process left behind. Timers are node:test's
// mock timers, so nothing here waits for real time.
import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCourier, type MailTransport } from '../../src/courier/index.ts';
import { courierTestContext } from './support.ts';

/** Lets queued promise callbacks (a pass over the in-memory persister) run to completion. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

test('an idle worker does not poll the queue; it wakes on enqueue and on the slow fallback', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  const { ctx } = courierTestContext();
  let lists = 0;
  const list = ctx.persister.listMessages.bind(ctx.persister);
  ctx.persister.listMessages = (o) => {
    lists += 1;
    return list(o);
  };
  const sent: string[] = [];
  const transport: MailTransport = {
    send: (mail) => {
      sent.push(mail.to);
      return Promise.resolve();
    },
  };
  const courier = createCourier(ctx, {
    transport,
    pollIntervalMs: 1_000,
    idlePollIntervalMs: 60_000,
  });
  try {
    courier.start();
    mock.timers.tick(0); // the start-up pass (messages queued before a restart)
    await settle();
    await courier.idle();
    assert.equal(lists, 1);

    mock.timers.tick(59_000);
    await settle();
    assert.equal(lists, 1, 'no query while idle: a 1 s poll would compete with every request');

    await courier.queueEmail('recovery_code_valid', { to: 'woken@example.org', code: '123456' });
    await courier.idle();
    assert.deepEqual(sent, ['woken@example.org']);
    assert.equal(lists, 2, 'enqueue woke exactly one pass');

    // Another process left a message queued: the fallback finds it a minute after the last pass.
    await ctx.persister.createMessage({
      id: '00000000-0000-4000-8000-000000000001',
      type: 'email',
      status: 'queued',
      recipient: 'orphan@example.org',
      subject: 's',
      body: 'b',
      template_type: 'recovery_code_valid',
      send_count: 0,
      dispatches: [],
      created_at: ctx.clock.now().toISOString(),
      updated_at: ctx.clock.now().toISOString(),
    });
    mock.timers.tick(59_999);
    await settle();
    assert.equal(lists, 2);
    mock.timers.tick(1);
    await settle();
    await courier.idle();
    assert.equal(lists, 3);
    assert.deepEqual(sent, ['woken@example.org', 'orphan@example.org']);
  } finally {
    courier.stop();
    mock.timers.reset();
  }
});

test('while a retry is pending the worker polls at pollIntervalMs; stop() ends it', async () => {
  mock.timers.enable({ apis: ['setTimeout'] });
  const { ctx, clock } = courierTestContext();
  let attempts = 0;
  const transport: MailTransport = {
    send: () => {
      attempts += 1;
      return attempts === 1 ? Promise.reject(new Error('temporary failure')) : Promise.resolve();
    },
  };
  const courier = createCourier(ctx, { transport, pollIntervalMs: 1_000, backoffBaseMs: 1_000 });
  try {
    courier.start();
    await courier.queueEmail('recovery_code_valid', { to: 'retry@example.org', code: '654321' });
    await courier.idle();
    assert.equal(attempts, 1);
    clock.advance(1_000); // the backoff has passed on the context's clock
    mock.timers.tick(1_000);
    await settle();
    await courier.idle();
    assert.equal(attempts, 2);
    const sent = await ctx.persister.listMessages({ page_size: 10, status: 'sent' });
    assert.equal(sent.items.length, 1);
    courier.stop();
    mock.timers.tick(120_000);
    await settle();
    assert.equal(attempts, 2);
  } finally {
    courier.stop();
    mock.timers.reset();
  }
});

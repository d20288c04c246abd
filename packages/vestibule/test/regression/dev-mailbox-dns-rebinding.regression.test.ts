// DNS rebinding against the dev mailbox: a page on an attacker's name resolving to 127.0.0.1 could
// read recovery and verification codes from a developer's running stack. Fixed in 5862b12: the
// mailbox answers only on loopback names and server.public_url's host (421 otherwise).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDevMailbox } from '../../src/dev/index.ts';
import { startMailbox as stack } from '../support/dev-mailbox.ts';

test('answers only on loopback names and the allowed host (DNS rebinding cannot read the codes)', async () => {
  const { courier, seen } = await stack();
  await courier.queueEmail('recovery_code_valid', { to: 'ada@example.org', code: '123456' });
  const mailbox = createDevMailbox({
    kratosAdminURL: 'http://kratos-admin.internal:4434',
    allowedHosts: ['app.example:4000'],
    fetch: () => Promise.resolve(Response.json([])),
  });
  for (const origin of [
    'http://evil.example:4000',
    'http://app.example:4001',
    'http://127.0.0.2:4000',
  ]) {
    const res = await mailbox(new Request(`${origin}/dev/mailbox`));
    assert.equal(res?.status, 421, origin);
  }
  for (const origin of [
    'http://localhost:4000',
    'http://127.0.0.1:4455',
    'http://[::1]:4000',
    'http://APP.example:4000',
  ]) {
    const res = await mailbox(new Request(`${origin}/dev/mailbox`));
    assert.equal(res?.status, 200, origin);
  }
  assert.equal(seen.length, 0);
});

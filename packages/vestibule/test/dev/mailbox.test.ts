// The dev mailbox page against the identity server's real admin courier routes (in-process fetch),
// so the boundary — GET /admin/courier/messages — is the one real Kratos offers too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDevMailbox } from '../../src/dev/index.ts';
import { startMailbox as stack } from '../support/dev-mailbox.ts';

test('lists every mail newest first with its code highlighted, and shows one with a clickable link', async () => {
  const { courier, clock, get, seen } = await stack();
  await courier.queueEmail('recovery_code_valid', { to: 'old@example.org', code: '111111' });
  clock.advance(1000);
  const m = await courier.queueEmail('verification_code_valid', {
    to: 'ada@example.org',
    code: '424242',
    url: 'http://edge.test/verification?flow=abc&code=424242',
  });
  await courier.idle();
  const res = await get('/dev/mailbox');
  assert.ok(res);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const list = await res.text();
  assert.ok(list.indexOf('ada@example.org') < list.indexOf('old@example.org'), 'newest first');
  assert.match(list, /<mark class="code" data-code="424242">424242<\/mark>/);
  assert.ok(seen[0]?.startsWith('http://kratos-admin.internal:4434/admin/courier/messages?'));

  const one = await get(`/dev/mailbox/${m.id}`);
  const page = await one!.text();
  assert.match(
    page,
    /<a href="http:\/\/edge\.test\/verification\?flow=abc&amp;code=424242" rel="noreferrer">/,
  );
  assert.match(page, /Use code 424242 to verify your account/);
});

test('mail content is escaped: a hostile recipient or subject cannot inject markup', async () => {
  const { courier, get } = await stack();
  const m = await courier.queueEmail('recovery_code_invalid', {
    to: '"><script>alert(1)</script>@example.org',
  });
  await courier.idle();
  const list = await (await get('/dev/mailbox'))!.text();
  assert.doesNotMatch(list, /<script>/);
  assert.match(list, /&lt;script&gt;/);
  const one = await (await get(`/dev/mailbox/${m.id}`))!.text();
  assert.doesNotMatch(one, /<script>/);
});

test('filters by recipient, 404s unknown or malformed ids, refuses writes, ignores other paths', async () => {
  const { courier, get, seen } = await stack();
  await courier.queueEmail('recovery_code_valid', { to: 'a@example.org', code: '123456' });
  await courier.queueEmail('recovery_code_valid', { to: 'b@example.org', code: '654321' });
  await courier.idle();
  const filtered = await (await get('/dev/mailbox?recipient=b%40example.org'))!.text();
  assert.match(filtered, /654321/);
  assert.doesNotMatch(filtered, /123456/);
  assert.ok(seen.at(-1)?.includes('recipient=b%40example.org'));

  assert.equal((await get('/dev/mailbox/00000000-0000-4000-8000-000000000000'))?.status, 404);
  const before = seen.length;
  assert.equal((await get('/dev/mailbox/..%2f..%2fadmin%2fidentities'))?.status, 404);
  assert.equal(seen.length, before, 'a non-UUID never reaches the admin API');
  assert.equal((await get('/dev/mailbox', { method: 'POST' }))?.status, 405);
  assert.equal(await get('/dev/mailboxes'), null);
  assert.equal(await get('/login'), null);
});

test('a redacting Kratos (no --dev) and an unreachable one give clear pages, not stack traces', async () => {
  const { courier, get } = await stack({ dev: false });
  const m = await courier.queueEmail('recovery_code_valid', {
    to: 'a@example.org',
    code: '123456',
  });
  await courier.idle();
  const one = await (await get(`/dev/mailbox/${m.id}`))!.text();
  assert.match(one, /--dev/);
  assert.doesNotMatch(one, /123456<\/pre>/);

  const down = createDevMailbox({
    kratosAdminURL: 'http://127.0.0.1:9',
    fetch: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')),
  });
  const res = await down(new Request('http://localhost:4000/dev/mailbox'));
  assert.equal(res?.status, 502);
  const text = await res!.text();
  assert.doesNotMatch(text, /ECONNREFUSED|127\.0\.0\.1/);
  assert.throws(() => createDevMailbox({ kratosAdminURL: 'not a url' }), TypeError);
});

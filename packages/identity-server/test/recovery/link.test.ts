// Recovery with `selfservice.flows.recovery.use: link` (Kratos's link strategy): the mail carries a
// one-time link on the public base URL; opening it signs in and leads to settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  assertSchema,
  csrfOf,
  lifecycleSetup,
  messageIds,
  node,
  registerIdentity,
  type Flow,
} from './support.ts';

test('use: link — the mailed link recovers once; a code submission is not this method', async () => {
  // The link method must be enabled too: Kratos answers a disabled method 404.
  const life = await lifecycleSetup({
    selfservice: {
      methods: { link: { enabled: true } },
      flows: { recovery: { use: 'link' } },
    },
  });
  await registerIdentity(life, 'lin@example.org');
  const client = life.browser();
  const init = (await (
    await client.request('/self-service/recovery/browser', {
      headers: { accept: 'application/json' },
    })
  ).json()) as Flow;
  assert.equal(node(init, 'method', 'submit')?.attributes.value, 'link');
  assert.equal(node(init, 'email')?.group, 'link');
  const codeTry = await client.request(init.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(init), method: 'code', email: 'lin@example.org' },
  });
  assert.equal(codeTry.status, 400);

  const sent = await client.request(init.ui.action, {
    method: 'POST',
    json: { csrf_token: csrfOf(init), method: 'link', email: 'lin@example.org' },
  });
  assert.equal(sent.status, 200);
  const flow = (await sent.json()) as Flow;
  assert.equal(flow.state, 'sent_email');
  assert.deepEqual(messageIds(flow), [1060002]);
  assertSchema('recoveryFlow', flow);

  await life.courier.idle();
  const mail = life.mailbox.messages().find((m) => m.subject === 'Recover access to your account')!;
  assert.ok(mail, 'a recovery link mail');
  const link = /^(http\S+)$/m.exec(mail.text)?.[1] ?? '';
  assert.ok(link.startsWith(`${life.base}/self-service/recovery?flow=${init.id}&token=`), link);
  const opened = await client.request(link);
  assert.equal(opened.status, 303);
  assert.match(opened.headers.get('location')!, /^http:\/\/localhost:4000\/settings\?flow=/);
  assert.equal((await client.request('/sessions/whoami')).status, 200);

  const replay = await life.browser().request(link);
  assert.equal(replay.status, 303);
  const again = new URL(replay.headers.get('location')!);
  assert.equal(again.pathname, '/recovery');
  // The fresh flow carries 4060004 (read from the store: it belongs to another browser's cookie).
  const stored = await life.context.persister.getFlow(again.searchParams.get('flow')!);
  assert.deepEqual(
    ((stored?.body.ui as Flow['ui']).messages ?? []).map((m) => m.id),
    [4060004],
  );
});

test('admin recovery link with the `link` method on: opened once it signs in and leads to settings', async () => {
  const life = await lifecycleSetup({ selfservice: { methods: { link: { enabled: true } } } });
  const { identityId } = await registerIdentity(life, 'admin-link@example.org');
  const created = await life.admin().request('/admin/recovery/link', {
    method: 'POST',
    json: { identity_id: identityId, expires_in: '10m' },
  });
  assert.equal(created.status, 200);
  const { recovery_link: link } = (await created.json()) as { recovery_link: string };
  assert.ok(link.startsWith(`${life.base}/self-service/recovery?flow=`), link);
  const client = life.browser();
  const opened = await client.request(link);
  assert.equal(opened.status, 303);
  assert.match(opened.headers.get('location')!, /^http:\/\/localhost:4000\/settings\?flow=/);
  const reused = await life.browser().request(link);
  assert.equal(new URL(reused.headers.get('location')!).pathname, '/recovery');
});

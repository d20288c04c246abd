// IdentityServer.queueMail (in-process, no HTTP route): a mail written by the embedding process — the
// edge's security notifications — is delivered by the courier like Kratos's own, shows up in the
// dev mailbox and in GET /admin/courier/messages within Kratos's contract (template_type `stub`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { defaultConfig } from '../../src/config/index.ts';
import type { DevMailboxTransport } from '../../src/courier/index.ts';
import { createIdentityServer } from '../../src/server.ts';
import { readSharedJSON } from '../../../../test/support/shared.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

async function devServer() {
  return createIdentityServer({
    config: defaultConfig({ courier: { smtp: { connection_uri: '' } } }),
    dev: true,
    log: () => {},
  });
}

test('a queued mail is delivered to the dev mailbox and listed by the admin API as Kratos lists mail', async () => {
  const server = await devServer();
  try {
    await server.queueMail({
      to: 'ada@example.com',
      subject: 'Your password was changed\r\nBcc: evil@example.com',
      text: 'Hi,\n\nThe password of your account was changed.\n',
    });
    await server.context.courier.idle();
    const delivered = (server.context.courier.transport as DevMailboxTransport).messages();
    assert.equal(delivered.length, 1);
    assert.equal(delivered[0]!.to, 'ada@example.com');
    assert.equal(delivered[0]!.subject, 'Your password was changed Bcc: evil@example.com');
    assert.match(delivered[0]!.html, /<p>The password of your account was changed.<\/p>/);

    const res = await server.adminHandler(new Request('http://admin.test/admin/courier/messages'));
    assert.equal(res.status, 200);
    const [message] = (await res.json()) as Array<Record<string, unknown>>;
    assert.equal(message!.recipient, 'ada@example.com');
    assert.equal(message!.status, 'sent');
    assert.equal(message!.template_type, 'stub');
    assert.equal(message!.body, 'Hi,\n\nThe password of your account was changed.\n');
    const spec = readSharedJSON<{ components: { schemas: Record<string, unknown> } }>(
      'kratos/openapi.v26.2.0.json',
    );
    if (spec) {
      const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
      ajv.addSchema({ $id: 'kratos', components: spec.components });
      const validate = ajv.compile({ $ref: 'kratos#/components/schemas/message' });
      assert.ok(validate(message), JSON.stringify(validate.errors));
    }
  } finally {
    await server.close();
  }
});

test('a recipient that is not one address is refused before anything is stored', async () => {
  const server = await devServer();
  try {
    for (const to of [
      '',
      'ada@example.com, eve@example.com',
      'ada@example.com\r\nBcc: x@y.z',
      'nobody',
    ]) {
      await assert.rejects(server.queueMail({ to, subject: 's', text: 't' }), TypeError, to);
    }
    const res = await server.adminHandler(new Request('http://admin.test/admin/courier/messages'));
    assert.deepEqual(await res.json(), []);
  } finally {
    await server.close();
  }
});

// GET /admin/courier/messages[/{id}] through the router, validated against Kratos's OpenAPI schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { Router } from '../../src/http/index.ts';
import {
  createCourier,
  createDevMailboxTransport,
  registerAdminCourierRoutes,
  REDACTED_BODY,
} from '../../src/courier/index.ts';
import { readSharedJSON } from '../../../../test/support/shared.ts';
import { courierTestContext } from './support.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const spec = readSharedJSON<{ components: { schemas: Record<string, unknown> } }>(
  'kratos/openapi.v26.2.0.json',
);

function validator(name: string): ((value: unknown) => void) | undefined {
  if (!spec) return undefined;
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  ajv.addSchema({ $id: 'kratos', components: spec.components });
  const validate = ajv.compile({ $ref: `kratos#/components/schemas/${name}` });
  return (value) => assert.ok(validate(value), JSON.stringify(validate.errors));
}

async function setup(options: { dev?: boolean } = {}) {
  const { ctx } = courierTestContext();
  const courier = createCourier(ctx, { transport: createDevMailboxTransport() });
  const router = new Router();
  registerAdminCourierRoutes(router, ctx, options);
  const call = (path: string) => router.handle(new Request(`http://admin.test${path}`), 'req-1');
  return { ctx, courier, call };
}

test('lists messages as Kratos `message` objects; bodies only in dev mode', async () => {
  const { courier, call } = await setup({ dev: true });
  const m = await courier.queueEmail('recovery_code_valid', {
    to: 'a@example.org',
    code: '123456',
  });
  await courier.idle();
  const res = await call('/admin/courier/messages');
  assert.equal(res.status, 200);
  const list = (await res.json()) as Array<Record<string, unknown>>;
  assert.equal(list.length, 1);
  assert.equal(list[0]!.id, m.id);
  assert.equal(list[0]!.status, 'sent');
  assert.equal(list[0]!.template_type, 'recovery_code_valid');
  assert.match(String(list[0]!.body), /123456/);
  // As Kratos: the list carries no dispatches; GET /admin/courier/messages/{id} does.
  assert.equal('dispatches' in list[0]!, false);
  const one = (await (await call(`/admin/courier/messages/${m.id}`)).json()) as {
    dispatches: Array<Record<string, unknown>>;
  };
  const dispatch = one.dispatches[0]!;
  assert.equal(dispatch.message_id, m.id);
  assert.equal(dispatch.status, 'success');
  const validate = validator('message');
  validate?.(list[0]);

  const redacted = await setup();
  await redacted.courier.queueEmail('recovery_code_valid', { to: 'a@example.org', code: '123456' });
  const body = (await (await redacted.call('/admin/courier/messages')).json()) as Array<{
    body: string;
  }>;
  assert.equal(body[0]!.body, REDACTED_BODY);
});

test('filters by status and recipient, and pages with page_size/page_token and a Link header', async () => {
  const { courier, call } = await setup({ dev: true });
  for (const to of ['a@example.org', 'b@example.org', 'a@example.org']) {
    await courier.queueEmail('verification_code_valid', { to, code: '111111' });
  }
  await courier.idle();
  const byRecipient = (await (
    await call('/admin/courier/messages?recipient=a@example.org')
  ).json()) as unknown[];
  assert.equal(byRecipient.length, 2);
  const queued = (await (await call('/admin/courier/messages?status=queued')).json()) as unknown[];
  assert.equal(queued.length, 0);

  const first = await call('/admin/courier/messages?page_size=2');
  const firstItems = (await first.json()) as Array<{ id: string }>;
  assert.equal(firstItems.length, 2);
  const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
  assert.ok(next, 'a next link on a full page');
  const second = await call(next);
  const secondItems = (await second.json()) as Array<{ id: string }>;
  assert.equal(secondItems.length, 1);
  assert.doesNotMatch(second.headers.get('link') ?? '', /rel="next"/);
  const ids = new Set([...firstItems, ...secondItems].map((m) => m.id));
  assert.equal(ids.size, 3);
});

test('bad parameters are 400 Kratos errors; an unknown id is 404', async () => {
  const { courier, call } = await setup({ dev: true });
  const validate = validator('errorGeneric');
  for (const path of [
    '/admin/courier/messages?status=delivered',
    '/admin/courier/messages?page_size=0',
    '/admin/courier/messages?page_size=1001',
    '/admin/courier/messages?page_size=abc',
    '/admin/courier/messages/not-a-uuid',
  ]) {
    const res = await call(path);
    assert.equal(res.status, 400, path);
    validate?.(await res.json());
  }
  const missing = await call('/admin/courier/messages/00000000-0000-4000-8000-000000000000');
  assert.equal(missing.status, 404);
  validate?.(await missing.json());

  const m = await courier.queueEmail('recovery_code_valid', {
    to: 'z@example.org',
    code: '999999',
  });
  await courier.idle();
  const one = await call(`/admin/courier/messages/${m.id.toUpperCase()}`);
  assert.equal(one.status, 200);
  const got = (await one.json()) as { recipient: string; body: string };
  assert.equal(got.recipient, 'z@example.org');
  validator('message')?.(got);
});

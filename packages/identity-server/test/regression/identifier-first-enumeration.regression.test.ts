// Regression guard for identifier-first login with `security.account_enumeration.mitigate`: the
// answer to the identifier step must not tell an attacker whether the account exists or has a
// password. Three identifiers — an identity with a password, one created without a password (it
// holds an empty password credential), and no identity at all — must get byte-identical answers
// once the values that are the request's own (flow id, timestamps, the echoed identifier) are set
// aside; and the password step after it the same 4000006 flow.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createIdentityServer, type IdentityServer } from '../../src/server.ts';
import { createMemoryContext } from '../support/memory-context.ts';
import { createClient, type TestClient } from '../support/http-client.ts';

const WITH_PASSWORD = 'has-password@example.com';
const WITHOUT_PASSWORD = 'no-password@example.com';
const UNKNOWN = 'never-registered@example.com';

let server: IdentityServer;
let client: TestClient;

before(async () => {
  const context = await createMemoryContext({
    selfservice: { flows: { login: { style: 'identifier_first' } } },
    security: { account_enumeration: { mitigate: true } },
  });
  server = await createIdentityServer({ context });
  client = createClient(context.config.serve.public.base_url, server.publicHandler);
  const admin = (traits: object, credentials?: object) =>
    server.adminHandler(
      new Request(new URL('/admin/identities', context.config.serve.admin.base_url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          schema_id: 'default',
          traits,
          ...(credentials ? { credentials } : {}),
        }),
      }),
    );
  assert.equal(
    (
      await admin(
        { email: WITH_PASSWORD },
        { password: { config: { password: 'a fine password 123' } } },
      )
    ).status,
    201,
  );
  assert.equal((await admin({ email: WITHOUT_PASSWORD })).status, 201);
});
after(() => server.close());

/** The answer with the request's own values replaced by placeholders. */
function normalised(text: string, flowId: string, identifier: string): string {
  return text
    .replaceAll(flowId, '<flow>')
    .replaceAll(identifier, '<identifier>')
    .replace(/"\d{4}-\d\d-\d\dT[^"]+"/g, '"<time>"');
}

async function steps(identifier: string) {
  const init = await client.request('/self-service/login/api');
  const flow = (await init.json()) as { id: string; ui: { action: string } };
  const first = await client.request(flow.ui.action, {
    method: 'POST',
    json: { method: 'identifier_first', identifier },
  });
  const second = await client.request(flow.ui.action, {
    method: 'POST',
    json: { method: 'password', identifier, password: 'a wrong password 456' },
  });
  return {
    status: [first.status, second.status],
    first: normalised(await first.text(), flow.id, identifier),
    second: normalised(await second.text(), flow.id, identifier),
  };
}

test('mitigated identifier-first answers the same for a known, a password-less and an unknown account', async () => {
  const known = await steps(WITH_PASSWORD);
  assert.deepEqual(known.status, [400, 400]);
  assert.match(known.first, /"name":"password"/, 'the credential screen');
  assert.match(known.second, /4000006/);
  for (const other of [WITHOUT_PASSWORD, UNKNOWN]) {
    const answer = await steps(other);
    assert.deepEqual(answer.status, known.status, other);
    assert.equal(answer.first, known.first, other);
    assert.equal(answer.second, known.second, other);
  }
});

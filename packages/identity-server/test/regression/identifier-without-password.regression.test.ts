// Regression: an identity created on the admin API without a password held no password credential,
// so its identifier (its email) was reserved by nothing — the admin API accepted a second identity
// with the same email, and the address could be claimed by another identity. Kratos's credentials
// schema extension gives such an identity the password credential with its identifiers and an
// empty config. Also: the admin API deleted an identity's only password, locking it out; Kratos
// refuses to remove a first factor ("You can't remove first factor credentials.").
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { IdentityServer } from '../../src/server.ts';
import { ADMIN_ORIGIN, PUBLIC_ORIGIN, startAsRecorded } from '../fidelity/replay.ts';

type Identity = { id: string; credentials: Record<string, { identifiers: string[] }> };

let server: IdentityServer;
before(async () => {
  server = await startAsRecorded();
});
after(() => server.close());

async function admin(method: string, path: string, body?: unknown) {
  const response = await server.adminHandler(
    new Request(`${ADMIN_ORIGIN}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Identity };
}

test('an identity without a password still reserves its identifier', async () => {
  const email = 'no-password@example.org';
  const first = await admin('POST', '/admin/identities', {
    schema_id: 'default',
    traits: { email },
  });
  assert.equal(first.status, 201);
  assert.deepEqual(Object.keys(first.body.credentials), ['password']);
  assert.deepEqual(first.body.credentials.password.identifiers, [email]);

  const again = await admin('POST', '/admin/identities', {
    schema_id: 'default',
    traits: { email: email.toUpperCase() },
  });
  assert.equal(again.status, 409);
  const owner = await server.context.persister.findIdentityByCredentialIdentifier(
    'password',
    email,
  );
  assert.equal(owner?.id, first.body.id);

  // It cannot be signed in to: there is no password to match (the login still costs a hash).
  const flow = (await (
    await server.publicHandler(new Request(`${PUBLIC_ORIGIN}/self-service/login/api`))
  ).json()) as { id: string };
  const login = await server.publicHandler(
    new Request(`${PUBLIC_ORIGIN}/self-service/login?flow=${flow.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ method: 'password', identifier: email, password: '' }),
    }),
  );
  assert.equal(login.status, 400);
});

test("the admin API cannot delete an identity's only password", async () => {
  const created = await admin('POST', '/admin/identities', {
    schema_id: 'default',
    traits: { email: 'only-password@example.org' },
    credentials: { password: { config: { password: 'a long enough password 1' } } },
  });
  const refused = await admin(
    'DELETE',
    `/admin/identities/${created.body.id}/credentials/password`,
  );
  assert.equal(refused.status, 400);
  const after = await admin('GET', `/admin/identities/${created.body.id}`);
  assert.deepEqual(Object.keys(after.body.credentials), ['password']);
});

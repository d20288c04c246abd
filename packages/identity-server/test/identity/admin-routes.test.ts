// The admin identity API and the public schema API, in process, on the SQL persister (in-memory
// PGlite), every response checked against Kratos's OpenAPI document.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { defaultConfig } from '../../src/config/index.ts';
import { createServerContext } from '../../src/context-factory.ts';
import type { ServerContext } from '../../src/driver/context.ts';
import { Router } from '../../src/http/router.ts';
import { registerAdminIdentityRoutes } from '../../src/identity/index.ts';
import { registerSchemaRoutes } from '../../src/schema/index.ts';
import {
  createResponseValidator,
  loadKratosOpenAPI,
  type ResponseValidator,
} from '../support/openapi.ts';

type Body = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let ctx: ServerContext & { close(): Promise<void> };
let router: Router;
let validator: ResponseValidator | undefined;
const ADMIN = 'http://localhost:4434';

before(async () => {
  ctx = await createServerContext(defaultConfig({ hashers: { bcrypt: { cost: 4 } } }), {
    log: () => {},
  });
  router = new Router();
  registerAdminIdentityRoutes(router, ctx);
  registerSchemaRoutes(router, ctx);
  const doc = loadKratosOpenAPI();
  validator = doc ? createResponseValidator(doc) : undefined;
});
after(() => ctx.close());

async function call(method: string, path: string, body?: unknown, raw?: string) {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
  if (method === 'GET' || method === 'DELETE') body = undefined;
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) init.body = JSON.stringify(body);
  const response = await router.handle(new Request(`${ADMIN}${path}`, init), 'test-request');
  const text = await response.text();
  const json = text ? (JSON.parse(text) as Body) : undefined;
  validator?.assertValid(method, `${ADMIN}${path}`, response.status, json);
  return { status: response.status, headers: response.headers, body: json as Body };
}

const create = (email: string, extra: Body = {}) =>
  call('POST', '/admin/identities', {
    schema_id: 'default',
    traits: { email, name: { first: 'Ada' } },
    ...extra,
  });

test('POST creates an identity: 201, Location, addresses from the schema, credentials without config', async () => {
  const res = await create('Ada@Example.com', {
    credentials: { password: { config: { password: 'a long passphrase' } } },
  });
  assert.equal(res.status, 201);
  // Kratos identity/handler.go: the admin base URL + /identities/{id} (no /admin prefix).
  assert.equal(res.headers.get('location'), `${ADMIN}/identities/${res.body.id}`);
  assert.equal(res.body.state, 'active');
  assert.ok(res.body.state_changed_at);
  assert.equal(res.body.schema_url, 'http://localhost:4433/schemas/ZGVmYXVsdA');
  assert.deepEqual(
    res.body.verifiable_addresses.map((a: Body) => [a.value, a.via, a.verified, a.status]),
    [['ada@example.com', 'email', false, 'pending']],
  );
  assert.deepEqual(
    res.body.recovery_addresses.map((a: Body) => a.value),
    ['ada@example.com'],
  );
  assert.deepEqual(Object.keys(res.body.credentials), ['password']);
  assert.deepEqual(res.body.credentials.password.identifiers, ['ada@example.com']);
  assert.equal(res.body.credentials.password.config, undefined, 'no hash on create');
  // Kratos marshals metadata_admin with omitempty: absent, not null.
  assert.equal('metadata_admin' in res.body, false);

  const plain = await call('GET', `/admin/identities/${res.body.id}`);
  assert.equal(plain.body.credentials.password.config, undefined);
  const withHash = await call(
    'GET',
    `/admin/identities/${res.body.id}?include_credential=password`,
  );
  const hashed = withHash.body.credentials.password.config.hashed_password as string;
  assert.match(hashed, /^\$2a\$04\$/);
  assert.equal(await ctx.hasher.verify('a long passphrase', hashed), true);
  assert.equal(
    (await call('GET', `/admin/identities/${res.body.id}?include_credential=nope`)).status,
    400,
  );
});

test('password hash import: Kratos formats accepted, unknown formats refused', async () => {
  const pbkdf2 =
    '$pbkdf2-sha256$i=100000,l=32$1jP+5Zxpxgtee/iPxGgOz0RfE9/KJuDElP1ley4VxXc$QJxzfvdbHYBpydCbHoFg3GJEqMFULwskiuqiJctoYpI';
  const res = await create('import@example.com', {
    credentials: { password: { config: { hashed_password: pbkdf2 } } },
  });
  assert.equal(res.status, 201);
  const stored = await ctx.persister.findIdentityByCredentialIdentifier(
    'password',
    'import@example.com',
  );
  assert.equal(stored?.credentials.password?.config.hashed_password, pbkdf2);
  assert.equal(await ctx.hasher.verify('test', pbkdf2), true);
  assert.equal(ctx.hasher.needsRehash(pbkdf2), true);

  const bad = await create('bad-hash@example.com', {
    credentials: { password: { config: { hashed_password: '$md5$abc' } } },
  });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.reason, /does not match any known hash format/);
  const tooLong = await create('long@example.com', {
    credentials: { password: { config: { password: 'x'.repeat(80) } } },
  });
  assert.equal(tooLong.status, 400);
  const oidc = await create('oidc@example.com', { credentials: { oidc: { config: {} } } });
  assert.equal(oidc.status, 400);
});

test('imported verified addresses keep their status when the schema derives them', async () => {
  const res = await create('verified@example.com', {
    verifiable_addresses: [
      { value: 'VERIFIED@example.com', via: 'email', verified: true, status: 'completed' },
    ],
    metadata_public: { role: 'admin' },
    metadata_admin: { note: 'vip' },
    state: 'inactive',
  });
  assert.equal(res.status, 201);
  assert.equal(res.body.verifiable_addresses[0].verified, true);
  assert.equal(res.body.verifiable_addresses[0].status, 'completed');
  assert.ok(res.body.verifiable_addresses[0].verified_at);
  assert.equal(res.body.state, 'inactive');
  assert.deepEqual(res.body.metadata_public, { role: 'admin' });
  assert.deepEqual(res.body.metadata_admin, { note: 'vip' });
});

test('duplicate identifiers (any case) are 409 conflicts', async () => {
  assert.equal(
    (
      await create('dup@example.com', {
        credentials: { password: { config: { password: 'passphrase one' } } },
      })
    ).status,
    201,
  );
  const again = await create('DUP@example.com', {
    credentials: { password: { config: { password: 'passphrase two' } } },
  });
  assert.equal(again.status, 409);
  assert.equal(
    again.body.error.reason,
    'This identity conflicts with another identity that already exists.',
  );
});

test('bad create bodies get Kratos 400s, never a 500', async () => {
  const cases: Array<[string, unknown, string?]> = [
    ['missing email', { schema_id: 'default', traits: {} }],
    ['invalid email', { schema_id: 'default', traits: { email: 'nope' } }],
    ['unknown schema', { schema_id: 'nope', traits: { email: 'a@b.co' } }],
    ['unknown field', { schema_id: 'default', traits: { email: 'a@b.co' }, foo: 1 }],
    ['bad state', { schema_id: 'default', traits: { email: 'a@b.co' }, state: 'banned' }],
    ['traits not an object', { schema_id: 'default', traits: 'a@b.co' }],
    [
      'addresses not a list',
      { schema_id: 'default', traits: { email: 'a@b.co' }, verifiable_addresses: 'x' },
    ],
    [
      'external_id (unsupported)',
      { schema_id: 'default', traits: { email: 'a@b.co' }, external_id: 'crm-1' },
    ],
    ['malformed JSON', undefined, '{"schema_id":'],
    ['array body', undefined, '[]'],
  ];
  for (const [name, body, raw] of cases) {
    const res = await call('POST', '/admin/identities', body, raw);
    assert.equal(res.status, 400, name);
    assert.equal(res.body.error.code, 400, name);
  }
  const missing = await call('POST', '/admin/identities', { schema_id: 'default', traits: {} });
  assert.equal(missing.body.error.details.validation[0].message.id, 4000002);
  const unknown = await call('POST', '/admin/identities', {
    schema_id: 'default',
    traits: { email: 'a@b.co' },
    foo: 1,
  });
  // herodot.ErrBadRequest.WithError(err.Error()): the decoder's text is the message, no reason.
  assert.equal(unknown.body.error.message, 'json: unknown field "foo"');
  assert.equal(unknown.body.error.reason, undefined);
});

test('GET/PUT/PATCH/DELETE of unknown or malformed ids are 404 like Kratos', async () => {
  for (const id of [randomUUID(), 'not-a-uuid', '%00', "' or 1=1 --"]) {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
      const body = method === 'PATCH' ? [] : method === 'PUT' ? { traits: {} } : undefined;
      const res = await call(method, `/admin/identities/${encodeURIComponent(id)}`, body);
      assert.equal(res.status, 404, `${method} ${id}`);
      assert.equal(res.body.error.code, 404);
    }
  }
});

test('list: keyset pages with a Link header, credentials_identifier and ids filters', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) {
    ids.push(
      (
        await create(`lister${i}@example.com`, {
          credentials: { password: { config: { password: 'passphrase here' } } },
        })
      ).body.id,
    );
  }
  const seen: string[] = [];
  let path: string | undefined = '/admin/identities?page_size=2';
  let pages = 0;
  while (path) {
    const res = await call('GET', path);
    assert.equal(res.status, 200);
    assert.ok(res.body.length <= 2);
    // Lists load no credentials (Kratos list: Expand=ExpandDefault).
    for (const item of res.body as Body[]) assert.equal(item.credentials, undefined);
    seen.push(...res.body.map((i: Body) => i.id));
    const link = res.headers.get('link') ?? '';
    assert.match(link, /rel="first"/);
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1];
    // ory/x keysetpagination.Header: relative links, page_size and page_token on each.
    assert.match(link, /^<\/admin\/identities\?page_size=2&page_token=[^>]+>; rel="first"/);
    path = next;
    if (next) assert.match(next, /^\/admin\/identities\?page_size=2&page_token=/);
    pages++;
  }
  assert.ok(pages >= 2);
  for (const id of ids) assert.ok(seen.includes(id));
  const filtered = await call(
    'GET',
    '/admin/identities?credentials_identifier=LISTER1@example.com',
  );
  assert.deepEqual(
    filtered.body.map((i: Body) => i.id),
    [ids[1]],
  );
  // A credentials_identifier search expands everything: credentials are listed (without config).
  assert.deepEqual(Object.keys(filtered.body[0].credentials), ['password']);
  const zero = await call('GET', '/admin/identities?page_size=0');
  assert.equal(zero.status, 200, 'page_size=0 is the default page size, as ory/x Paginator.Size');
  const byIds = await call('GET', `/admin/identities?ids=${ids[0]}&ids=${ids[2]}`);
  assert.deepEqual(byIds.body.map((i: Body) => i.id).sort(), [ids[0], ids[2]].sort());
  assert.equal((await call('GET', '/admin/identities?page_size=abc')).status, 400);
  assert.equal((await call('GET', '/admin/identities?page_token=forged')).status, 400);
});

test('PUT replaces traits and metadata, re-derives identifiers and addresses, tracks state changes', async () => {
  const created = await create('put@example.com', {
    credentials: { password: { config: { password: 'first passphrase' } } },
    metadata_public: { a: 1 },
  });
  const id = created.body.id as string;
  const res = await call('PUT', `/admin/identities/${id}`, {
    schema_id: 'default',
    state: 'inactive',
    traits: { email: 'Renamed@example.com', name: { first: 'Renamed' } },
    metadata_admin: { b: 2 },
  });
  assert.equal(res.status, 200);
  assert.equal(res.body.state, 'inactive');
  assert.notEqual(res.body.state_changed_at, created.body.state_changed_at);
  assert.equal(res.body.metadata_public, null, 'PUT replaces metadata');
  assert.deepEqual(res.body.metadata_admin, { b: 2 });
  assert.deepEqual(res.body.credentials.password.identifiers, ['renamed@example.com']);
  assert.deepEqual(
    res.body.verifiable_addresses.map((a: Body) => a.value),
    ['renamed@example.com'],
  );
  assert.equal(
    await ctx.persister.findIdentityByCredentialIdentifier('password', 'put@example.com'),
    undefined,
  );
  const stored = await ctx.persister.getIdentity(id);
  assert.equal(
    await ctx.hasher.verify(
      'first passphrase',
      stored!.credentials.password!.config.hashed_password as string,
    ),
    true,
  );

  const newPassword = await call('PUT', `/admin/identities/${id}`, {
    traits: { email: 'renamed@example.com' },
    credentials: { password: { config: { password: 'second passphrase' } } },
  });
  assert.equal(newPassword.status, 200);
  const rehashed = (await ctx.persister.getIdentity(id))!.credentials.password!.config
    .hashed_password as string;
  assert.equal(await ctx.hasher.verify('second passphrase', rehashed), true);
  assert.equal(
    (await call('PUT', `/admin/identities/${id}`, { state: 'active' })).status,
    400,
    'traits are required',
  );
  await create('taken@example.com', {
    credentials: { password: { config: { password: 'passphrase here' } } },
  });
  assert.equal(
    (await call('PUT', `/admin/identities/${id}`, { traits: { email: 'TAKEN@example.com' } }))
      .status,
    409,
  );
});

test('PATCH applies RFC 6902 operations; id, credentials and state_changed_at are off limits', async () => {
  const id = (await create('patch@example.com', { metadata_public: { keep: true } })).body
    .id as string;
  const res = await call('PATCH', `/admin/identities/${id}`, [
    { op: 'replace', path: '/state', value: 'inactive' },
    { op: 'add', path: '/metadata_public/role', value: 'editor' },
    { op: 'replace', path: '/traits/name/first', value: 'Patched' },
    { op: 'test', path: '/metadata_public/keep', value: true },
  ]);
  assert.equal(res.status, 200);
  assert.equal(res.body.state, 'inactive');
  assert.deepEqual(res.body.metadata_public, { keep: true, role: 'editor' });
  assert.equal(res.body.traits.name.first, 'Patched');
  const refused: unknown[] = [
    [{ op: 'replace', path: '/id', value: randomUUID() }],
    [{ op: 'add', path: '/credentials/password', value: {} }],
    [{ op: 'replace', path: '/state_changed_at', value: 'x' }],
    [{ op: 'copy', from: '/credentials', path: '/metadata_admin' }],
    [{ op: 'replace', path: '/state', value: 'banned' }],
    [{ op: 'remove', path: '/traits/email' }],
    [{ op: 'test', path: '/state', value: 'active' }],
    [{ op: 'explode', path: '/state' }],
    [{ op: 'add', path: '/metadata_public/__proto__/polluted', value: 1 }],
    { op: 'replace', path: '/state', value: 'active' },
  ];
  for (const ops of refused) {
    const r = await call('PATCH', `/admin/identities/${id}`, ops);
    assert.equal(r.status, 400, JSON.stringify(ops));
  }
  assert.equal(({} as Body).polluted, undefined);
  assert.equal(
    (await call('PATCH', `/admin/identities/${id}`, undefined, '{not json')).status,
    400,
  );
});

test('DELETE is 204 and removes the identity', async () => {
  const id = (await create('delete@example.com')).body.id as string;
  assert.equal((await call('DELETE', `/admin/identities/${id}`)).status, 204);
  assert.equal((await call('GET', `/admin/identities/${id}`)).status, 404);
  assert.equal((await call('DELETE', `/admin/identities/${id}`)).status, 404);
});

test('DELETE …/credentials/{type}: the only first factor, code and passkey are refused', async () => {
  const id = (
    await create('creds@example.com', {
      credentials: { password: { config: { password: 'passphrase here' } } },
    })
  ).body.id as string;
  assert.equal((await call('DELETE', `/admin/identities/${id}/credentials/code`)).status, 400);
  assert.equal((await call('DELETE', `/admin/identities/${id}/credentials/totp`)).status, 404);
  // Kratos deleteIdentityCredentials: "You can't remove first factor credentials." — the identity
  // keeps its only way to sign in.
  const refused = await call('DELETE', `/admin/identities/${id}/credentials/password`);
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.reason, "You can't remove first factor credentials.");
  const after = await call('GET', `/admin/identities/${id}`);
  assert.deepEqual(Object.keys(after.body.credentials), ['password']);
  assert.ok(
    await ctx.persister.findIdentityByCredentialIdentifier('password', 'creds@example.com'),
  );
  assert.equal(
    (await call('DELETE', `/admin/identities/${randomUUID()}/credentials/password`)).status,
    404,
  );
});

test('GET /schemas and /schemas/{id} (plain or base64url id) serve the raw schema', async () => {
  const list = await call('GET', '/schemas');
  assert.equal(list.status, 200);
  assert.deepEqual(
    list.body.map((s: Body) => s.id),
    ['default'],
  );
  const raw = ctx.schemas.get('default')!.raw;
  assert.deepEqual((await call('GET', '/schemas/default')).body, raw);
  assert.deepEqual((await call('GET', '/schemas/ZGVmYXVsdA')).body, raw);
  const missing = await call('GET', '/schemas/nope');
  assert.equal(missing.status, 404);
  assert.match(missing.body.error.reason, /could not be found/);
});

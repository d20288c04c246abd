// Custom scopes as Hydra treats them: a client registers any scope in its `scope` field, may
// request only what those allow (Hydra's default `wildcard` strategy: exact without `*`,
// `notes.*` allows `notes.read`), anything else is fosite's `invalid_scope`, and the tokens carry
// what the consent app granted — through the code flow, refresh and client credentials, visible
// in introspection.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  authorize,
  Browser,
  CALLBACK,
  createClient,
  location,
  pkcePair,
  startHarness,
  token,
  type Harness,
} from '../support/harness.ts';

const REGISTERED = 'openid offline_access email notes.read notes.write';
const NOT_ALLOWED = (scope: string) =>
  `The requested scope is invalid, unknown, or malformed. The OAuth 2.0 Client is not allowed to request scope '${scope}'.`;
let h: Harness;
let rp: { id: string; secret: string };
let wild: { id: string; secret: string };

before(async () => {
  h = await startHarness();
  const created = await createClient(h, {
    client_name: 'Notes RP',
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    scope: REGISTERED,
  });
  rp = { id: created.client_id as string, secret: created.client_secret as string };
  // Another client's scope: known to the server, not registered by the RP.
  await createClient(h, { redirect_uris: [CALLBACK], scope: 'openid notes.admin' });
  const wildcard = await createClient(h, {
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'client_credentials'],
    scope: 'openid files.*.read tasks.*',
  });
  wild = { id: wildcard.client_id as string, secret: wildcard.client_secret as string };
});
after(() => h.close());

function codeParams(scope: string, clientId = rp.id) {
  const { verifier, challenge } = pkcePair();
  return {
    verifier,
    params: {
      client_id: clientId,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope,
      state: 'state-0123456789',
      nonce: 'nonce-0123456789',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    },
  };
}

async function introspect(accessToken: string, scope?: string) {
  const form = new URLSearchParams({ token: accessToken, ...(scope ? { scope } : {}) });
  const response = await fetch(`${h.adminURL}/admin/oauth2/introspect`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return (await response.json()) as { active: boolean; scope?: string };
}

async function exchange(code: string, verifier: string, client = rp) {
  const response = await token(
    h,
    { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier },
    client,
  );
  const body = (await response.json()) as Record<string, string>;
  assert.equal(response.status, 200, JSON.stringify(body));
  return body;
}

describe('custom scopes', () => {
  test('a client registers custom scopes; the admin API returns them as registered', async () => {
    const read = await h.admin(`/admin/clients/${rp.id}`);
    assert.equal(read.status, 200);
    assert.equal(((await read.json()) as { scope: string }).scope, REGISTERED);
  });

  test('discovery lists the standard scopes only, not what clients registered', async () => {
    const discovery = (await (
      await fetch(`${h.publicURL}/.well-known/openid-configuration`)
    ).json()) as { scopes_supported: string[] };
    assert.ok(discovery.scopes_supported.includes('openid'));
    assert.ok(discovery.scopes_supported.includes('offline_access'));
    assert.ok(!discovery.scopes_supported.includes('notes.read'));
    assert.ok(!discovery.scopes_supported.includes('notes.admin'));
  });

  test('the code flow grants a registered custom scope; the consent request lists it; refresh keeps it', async () => {
    const { verifier, params } = codeParams('openid offline_access notes.read');
    let requested: unknown;
    const { code } = await authorize(h, new Browser(), params, {
      consent: (request) => {
        requested = request.requested_scope;
        return { grant_scope: request.requested_scope };
      },
    });
    assert.deepEqual(requested, ['openid', 'offline_access', 'notes.read']);
    const tokens = await exchange(code, verifier);
    assert.deepEqual(tokens.scope!.split(' ').sort(), ['notes.read', 'offline_access', 'openid']);
    const info = await introspect(tokens.access_token!, 'notes.read');
    assert.equal(info.active, true);
    assert.ok(info.scope!.split(' ').includes('notes.read'));
    assert.equal((await introspect(tokens.access_token!, 'notes.write')).active, false);

    const refreshed = await token(
      h,
      { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! },
      rp,
    );
    const again = (await refreshed.json()) as Record<string, string>;
    assert.equal(refreshed.status, 200, JSON.stringify(again));
    assert.ok(again.scope!.split(' ').includes('notes.read'));
    assert.equal((await introspect(again.access_token!, 'notes.read')).active, true);
  });

  test('a refresh is invalid_scope once the client may no longer request a granted scope; the token survives', async () => {
    const created = await createClient(h, {
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access reports.*',
    });
    const narrowed = { id: created.client_id as string, secret: created.client_secret as string };
    const { verifier, params } = codeParams('openid offline_access reports.daily', narrowed.id);
    const { code } = await authorize(h, new Browser(), params, {
      consent: (request) => ({ grant_scope: request.requested_scope }),
    });
    const tokens = await exchange(code, verifier, narrowed);
    const patch = await h.admin(`/admin/clients/${narrowed.id}`, {
      method: 'PATCH',
      body: [{ op: 'replace', path: '/scope', value: 'openid offline_access reports.weekly' }],
    });
    assert.equal(patch.status, 200);
    const refresh = { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! };
    const refused = await token(h, refresh, narrowed);
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), {
      error: 'invalid_scope',
      error_description: NOT_ALLOWED('reports.daily'),
    });
    // Allowed again: the same refresh token still works (it was neither consumed nor revoked).
    await h.admin(`/admin/clients/${narrowed.id}`, {
      method: 'PATCH',
      body: [{ op: 'replace', path: '/scope', value: 'openid offline_access reports.*' }],
    });
    const again = await token(h, refresh, narrowed);
    assert.equal(again.status, 200, JSON.stringify(await again.clone().json()));
  });

  test('a custom scope the consent app does not grant is not in the token', async () => {
    const { verifier, params } = codeParams('openid notes.read notes.write');
    const { code } = await authorize(h, new Browser(), params, {
      consent: () => ({ grant_scope: ['openid', 'notes.read'] }),
    });
    const tokens = await exchange(code, verifier);
    assert.deepEqual(tokens.scope!.split(' ').sort(), ['notes.read', 'openid']);
    assert.equal((await introspect(tokens.access_token!, 'notes.write')).active, false);
  });

  async function authorizeError(scope: string, clientId = rp.id) {
    const { params } = codeParams(scope, clientId);
    const auth = new URL(`${h.publicURL}/oauth2/auth`);
    for (const [key, value] of Object.entries(params)) auth.searchParams.set(key, value);
    const response = await new Browser().get(auth.href);
    const callback = new URL(location(response));
    assert.equal(`${callback.origin}${callback.pathname}`, CALLBACK);
    assert.equal(callback.searchParams.get('state'), 'state-0123456789');
    return callback.searchParams;
  }

  test("another client's scope is invalid_scope at the callback, with state and fosite's wording", async () => {
    const error = await authorizeError('openid notes.admin');
    assert.equal(error.get('error'), 'invalid_scope');
    assert.equal(error.get('error_description'), NOT_ALLOWED('notes.admin'));
    assert.equal(error.has('scope'), false);
  });

  test('a scope no client registered is invalid_scope at the callback, not dropped', async () => {
    const error = await authorizeError('openid notes.read nobody.has');
    assert.equal(error.get('error'), 'invalid_scope');
    assert.equal(error.get('error_description'), NOT_ALLOWED('nobody.has'));
  });

  test("client credentials: a registered custom scope is granted; another client's or an unknown one is invalid_scope", async () => {
    const granted = await token(h, { grant_type: 'client_credentials', scope: 'notes.read' }, rp);
    const body = (await granted.json()) as Record<string, string>;
    assert.equal(granted.status, 200, JSON.stringify(body));
    assert.equal(body.scope, 'notes.read');
    assert.equal((await introspect(body.access_token!, 'notes.read')).active, true);

    for (const [scope, refused] of [
      ['notes.admin', 'notes.admin'],
      ['notes.read nobody.has', 'nobody.has'],
    ] as const) {
      const response = await token(h, { grant_type: 'client_credentials', scope }, rp);
      const error = (await response.json()) as { error: string; error_description: string };
      assert.equal(response.status, 400, scope);
      assert.equal(error.error, 'invalid_scope');
      assert.equal(error.error_description, NOT_ALLOWED(refused));
    }
  });

  test("oidc-provider's pushed authorization endpoint is not there (Hydra has none): 404", async () => {
    const { params } = codeParams('openid nobody.has');
    const response = await fetch(`${h.publicURL}/request`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${rp.id}:${rp.secret}`).toString('base64')}`,
      },
      body: new URLSearchParams(params),
    });
    assert.equal(response.status, 404);
    assert.equal(await response.text(), '404 page not found\n');
  });

  test('client credentials with a wrong secret is invalid_client before any scope is judged', async () => {
    const response = await token(
      h,
      { grant_type: 'client_credentials', scope: 'nobody.has' },
      { id: rp.id, secret: 'not-the-secret' },
    );
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_client');
  });

  test('wildcard (the default): `files.*.read` and `tasks.*` allow concrete scopes through the code flow', async () => {
    const { verifier, params } = codeParams('openid files.photos.read tasks.today', wild.id);
    let requested: unknown;
    const { code } = await authorize(h, new Browser(), params, {
      consent: (request) => {
        requested = request.requested_scope;
        return { grant_scope: request.requested_scope };
      },
    });
    assert.deepEqual(requested, ['openid', 'files.photos.read', 'tasks.today']);
    const tokens = await exchange(code, verifier, wild);
    assert.deepEqual(tokens.scope!.split(' ').sort(), [
      'files.photos.read',
      'openid',
      'tasks.today',
    ]);
    assert.equal((await introspect(tokens.access_token!, 'tasks.today')).active, true);
  });

  test("wildcard: fosite's edges — `*` needs a non-empty segment, a middle `*` exactly one", async () => {
    for (const scope of ['tasks', 'tasks.', 'files.read', 'files..read', 'files.a.b.read']) {
      const error = await authorizeError(`openid ${scope}`, wild.id);
      assert.equal(error.get('error'), 'invalid_scope', scope);
      assert.equal(error.get('error_description'), NOT_ALLOWED(scope));
    }
    const granted = await token(
      h,
      { grant_type: 'client_credentials', scope: 'tasks.a.b files.x.read' },
      wild,
    );
    const body = (await granted.json()) as Record<string, string>;
    assert.equal(granted.status, 200, JSON.stringify(body));
    assert.equal(body.scope, 'tasks.a.b files.x.read');
  });

  test('wildcard: introspection judges its `scope` parameter against the granted scopes the same way', async () => {
    const granted = await token(h, { grant_type: 'client_credentials', scope: 'tasks.*' }, wild);
    const body = (await granted.json()) as Record<string, string>;
    assert.equal(granted.status, 200, JSON.stringify(body));
    assert.equal(body.scope, 'tasks.*');
    assert.equal((await introspect(body.access_token!, 'tasks.today')).active, true);
    assert.equal((await introspect(body.access_token!, 'tasks')).active, false);
    assert.equal((await introspect(body.access_token!, 'files.x.read')).active, false);
  });

  test('a scope with characters RFC 6749 forbids is refused at registration', async () => {
    const response = await h.admin('/admin/clients', {
      method: 'POST',
      body: { redirect_uris: [CALLBACK], scope: 'openid notes\\read' },
    });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: string }).error, 'invalid_client_metadata');
  });
});

describe('strategies.scope: exact', () => {
  let exact: Harness;
  let client: { id: string; secret: string };
  before(async () => {
    exact = await startHarness({ strategies: { scope: 'exact' } });
    const created = await createClient(exact, {
      redirect_uris: [CALLBACK],
      grant_types: ['client_credentials'],
      scope: 'notes.*',
    });
    client = { id: created.client_id as string, secret: created.client_secret as string };
  });
  after(() => exact.close());

  test('`notes.*` is a scope like any other: `notes.read` is invalid_scope, `notes.*` is granted', async () => {
    const refused = await token(
      exact,
      { grant_type: 'client_credentials', scope: 'notes.read' },
      client,
    );
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), {
      error: 'invalid_scope',
      error_description: NOT_ALLOWED('notes.read'),
    });
    const granted = await token(
      exact,
      { grant_type: 'client_credentials', scope: 'notes.*' },
      client,
    );
    const body = (await granted.json()) as Record<string, string>;
    assert.equal(granted.status, 200, JSON.stringify(body));
    assert.equal(body.scope, 'notes.*');
    const form = new URLSearchParams({ token: body.access_token!, scope: 'notes.read' });
    const info = await fetch(`${exact.adminURL}/admin/oauth2/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    assert.deepEqual(await info.json(), { active: false });
  });
});

// The discovery document and the public routes against Hydra's: the key set is Hydra's (its
// `oidcConfiguration` schema) minus what this server has no route for, each value of the type
// Hydra's schema says; oidc-provider's own extras (pushed authorization requests, DPoP, RFC 9207's
// flag, claim types) are neither advertised nor served, resource indicators are ignored as fosite
// ignores them; an unknown route answers as Hydra's router.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { readSharedJSON } from '../../../../test/support/shared.ts';
import { HYDRA_DISCOVERY_KEYS } from '../../src/oauth2/discovery.ts';
import { CALLBACK, createClient, startHarness, type Harness } from '../support/harness.ts';

// Hydra advertises these; this server has no such route or feature, so it must not.
const NOT_SERVED_HERE = [
  'registration_endpoint', // OpenID dynamic client registration
  'device_authorization_endpoint', // device authorization grant
  'credentials_endpoint_draft_00', // verifiable credentials
  'credentials_supported_draft_00',
  'request_object_signing_alg_values_supported', // request objects
];

let h: Harness;
let discovery: Record<string, unknown>;

before(async () => {
  h = await startHarness();
  const response = await fetch(`${h.publicURL}/.well-known/openid-configuration`);
  assert.equal(response.status, 200);
  discovery = (await response.json()) as Record<string, unknown>;
});
after(() => h.close());

describe('discovery document', () => {
  test("has exactly Hydra's keys, in Hydra's order, less the features this server lacks", () => {
    assert.deepEqual(Object.keys(discovery), [...HYDRA_DISCOVERY_KEYS]);
  });

  test("every key is in Hydra's OpenAPI schema with the type it gives, and Hydra's required keys are there", (t) => {
    type Schema = {
      properties: Record<string, { type: string }>;
      required: string[];
    };
    const spec = readSharedJSON<{ components: { schemas: { oidcConfiguration: Schema } } }>(
      'hydra/openapi.v26.2.0.json',
    );
    if (!spec) return t.skip('no ../shared/ory');
    const schema = spec.components.schemas.oidcConfiguration;
    const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v);
    for (const [key, value] of Object.entries(discovery)) {
      assert.ok(schema.properties[key], `${key} is not in Hydra's document`);
      assert.equal(typeOf(value), schema.properties[key]!.type, key);
    }
    // Hydra's keys that are missing are exactly the ones named above, each for its reason.
    const missing = Object.keys(schema.properties).filter((key) => !(key in discovery));
    assert.deepEqual(missing.sort(), [...NOT_SERVED_HERE].sort());
    for (const key of schema.required) {
      if (!NOT_SERVED_HERE.includes(key)) assert.ok(key in discovery, `required ${key}`);
    }
  });

  test("names none of oidc-provider's own features", () => {
    for (const key of [
      'pushed_authorization_request_endpoint',
      'require_pushed_authorization_requests',
      'dpop_signing_alg_values_supported',
      'authorization_response_iss_parameter_supported',
      'claim_types_supported',
      'introspection_endpoint',
      'device_authorization_endpoint',
    ]) {
      assert.equal(discovery[key], undefined, key);
    }
  });

  test('says truthfully what is not supported here', () => {
    for (const flag of [
      'request_parameter_supported',
      'request_uri_parameter_supported',
      'claims_parameter_supported',
      'backchannel_logout_supported',
      'frontchannel_logout_supported',
    ]) {
      assert.equal(discovery[flag], false, flag);
    }
    assert.deepEqual(discovery.id_token_signed_response_alg, ['RS256']);
    assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
    assert.equal(discovery.revocation_endpoint, `${h.publicURL}/oauth2/revoke`);
  });
});

describe('routes Hydra does not have', () => {
  const notFound = async (response: Response) => {
    assert.equal(response.status, 404);
    assert.equal(response.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(await response.text(), '404 page not found\n');
  };

  test("oidc-provider's pushed authorization endpoint answers 404 like any unknown route", async () => {
    const client = await createClient(h, { redirect_uris: [CALLBACK], scope: 'openid' });
    const form = {
      client_id: client.client_id as string,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope: 'openid',
    };
    await notFound(
      await fetch(`${h.publicURL}/request`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
        },
        body: new URLSearchParams(form),
      }),
    );
    // And a request_uri at the authorization endpoint is not a way in either.
    const response = await fetch(
      `${h.publicURL}/oauth2/auth?${new URLSearchParams({ ...form, request_uri: 'urn:ietf:params:oauth:request_uri:x' })}`,
      { redirect: 'manual' },
    );
    const location = response.headers.get('location') ?? '';
    assert.ok(!new URL(location).searchParams.has('code'), location);
    assert.ok(!location.includes('login_challenge'), location);
  });

  test('device flow, public introspection and other unknown paths answer 404', async () => {
    for (const path of ['/oauth2/device/auth', '/device/auth', '/oauth2/introspect', '/nope']) {
      await notFound(await fetch(`${h.publicURL}${path}`, { method: 'POST' }));
    }
    await notFound(await fetch(`${h.publicURL}/oauth2/nope`));
  });

  test('a resource indicator (RFC 8707) is ignored as by fosite, not refused as invalid_target', async () => {
    const client = await createClient(h, { grant_types: ['client_credentials'], scope: 'openid' });
    const response = await fetch(`${h.publicURL}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: 'openid',
        resource: 'https://api.example/',
      }),
    });
    const body = (await response.json()) as Record<string, string>;
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.match(body.access_token!, /^ory_at_/);
  });

  test('a DPoP proof is ignored at the token endpoint: a plain bearer token, as from Hydra', async () => {
    const client = await createClient(h, { grant_types: ['client_credentials'], scope: 'openid' });
    const response = await fetch(`${h.publicURL}/oauth2/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`,
        dpop: 'eyJhbGciOiJFUzI1NiJ9.not-a-proof.sig',
      },
      body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'openid' }),
    });
    const body = (await response.json()) as Record<string, string>;
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.token_type, 'bearer');
  });
});

// The embedded server tells a caching gateway which opaque access tokens stopped being valid:
// revoked at /oauth2/revoke, replaced by a refresh, or revoked with their family on refresh-token
// reuse; and the edge notifier posts each to the edge's revocation webhook.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { edgeRevocationNotifier } from '../../src/index.ts';
import {
  authorize,
  Browser,
  CALLBACK,
  createClient,
  pkcePair,
  startHarness,
  token,
  type Harness,
} from '../support/harness.ts';

let h: Harness;
let client: { id: string; secret: string };
const reported: string[] = [];
let waiters: Array<() => void> = [];

before(async () => {
  h = await startHarness(
    {},
    {
      onAccessTokensRevoked: (tokens) => {
        reported.push(...tokens);
        for (const wake of waiters) wake();
        waiters = [];
      },
    },
  );
  const created = await createClient(h, {
    redirect_uris: [CALLBACK],
    grant_types: ['authorization_code', 'refresh_token'],
    scope: 'openid offline_access',
  });
  client = { id: created.client_id as string, secret: created.client_secret as string };
});
after(() => h.close());

/** Resolves once `value` has been reported (the notice is not awaited by the protocol). */
async function reportedSoon(value: string): Promise<void> {
  for (let i = 0; i < 50 && !reported.includes(value); i++) {
    await new Promise<void>((resolve) => {
      waiters.push(resolve);
      setImmediate(resolve);
    });
  }
  assert.ok(reported.includes(value), `${value.slice(0, 12)}… was reported`);
}

async function tokens(): Promise<Record<string, string>> {
  const { verifier, challenge } = pkcePair();
  const { code } = await authorize(h, new Browser(), {
    client_id: client.id,
    response_type: 'code',
    redirect_uri: CALLBACK,
    scope: 'openid offline_access',
    state: 'state-0123456789',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const response = await token(
    h,
    { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier },
    client,
  );
  return (await response.json()) as Record<string, string>;
}

const refresh = (refreshToken: string) =>
  token(h, { grant_type: 'refresh_token', refresh_token: refreshToken }, client).then(
    async (r) => (await r.json()) as Record<string, string>,
  );

test('a revoked access token is reported', async () => {
  const { access_token } = await tokens();
  const response = await fetch(`${h.publicURL}/oauth2/revoke`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.id)}:${encodeURIComponent(client.secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ token: access_token! }),
  });
  assert.equal(response.status, 200);
  await reportedSoon(access_token!);
});

test('a refresh reports the access token it replaced; reuse reports the whole family', async () => {
  const first = await tokens();
  const second = await refresh(first.refresh_token!);
  assert.ok(second.access_token);
  await reportedSoon(first.access_token!);
  assert.ok(!reported.includes(second.access_token!));
  const reuse = await token(
    h,
    { grant_type: 'refresh_token', refresh_token: first.refresh_token! },
    client,
  );
  assert.equal(reuse.status, 400);
  await reportedSoon(second.access_token!);
  // Only access tokens: refresh tokens and codes are never shown to the listener.
  assert.ok(reported.every((value) => value.startsWith('ory_at_')));
});

test('the edge notifier posts each token to the webhook with the secret', async () => {
  const calls: Array<{ url: string; auth: string | null; body: string }> = [];
  const notify = edgeRevocationNotifier('http://edge.test/.vestibule/revoke', 's'.repeat(32), {
    fetch: (async (url: string, init: RequestInit) => {
      calls.push({
        url,
        auth: new Headers(init.headers).get('authorization'),
        body: String(init.body),
      });
      return new Response('{}');
    }) as typeof fetch,
  });
  await notify(['ory_at_a', 'ory_at_b'], ['4f1c2a0e-0000-4000-8000-000000000000']);
  assert.deepEqual(
    calls.map((c) => [c.url, c.auth, JSON.parse(c.body)]),
    [
      [
        'http://edge.test/.vestibule/revoke',
        `Bearer ${'s'.repeat(32)}`,
        { access_token: 'ory_at_a' },
      ],
      [
        'http://edge.test/.vestibule/revoke',
        `Bearer ${'s'.repeat(32)}`,
        { access_token: 'ory_at_b' },
      ],
      [
        'http://edge.test/.vestibule/revoke',
        `Bearer ${'s'.repeat(32)}`,
        { access_token_jti: '4f1c2a0e-0000-4000-8000-000000000000' },
      ],
    ],
  );
});

// `dsn: postgres://…`: the same server on a real PostgreSQL (throwaway cluster): schema created,
// keys kept, a whole code flow with refresh and reuse detection (revokeByGrantId in SQL).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startPostgres, type ThrowawayPostgres } from '../../../../test/support/postgres.ts';
import { createOAuth2Server, parseConfig } from '../../src/index.ts';
import {
  authorize,
  Browser,
  CALLBACK,
  createClient,
  freePort,
  pkcePair,
  token,
  type Harness,
} from '../support/harness.ts';

let pg: ThrowawayPostgres | undefined;
before(async () => {
  pg = await startPostgres();
});
after(() => pg?.stop());

test('a code flow, refresh and refresh-token reuse on PostgreSQL; keys survive a restart', async (t) => {
  if (!pg) return t.skip('no PostgreSQL server binaries');
  const dsn = await pg.createDatabase('oauth2');
  const port = await freePort();
  const config = parseConfig(
    {
      dsn,
      serve: { public: { port }, admin: { port: 0 } },
      urls: {
        self: { issuer: `http://127.0.0.1:${port}` },
        login: 'http://login.test/l',
        consent: 'http://login.test/c',
      },
      secrets: { system: ['a-system-secret-of-32-characters!'] },
    },
    { dev: true },
  );
  const start = async (): Promise<Harness> => {
    const server = await createOAuth2Server({ config });
    const { publicURL, adminURL } = await server.listen();
    return {
      server,
      publicURL,
      adminURL,
      admin: (path, init = {}) =>
        fetch(`${adminURL}${path}`, {
          method: init.method ?? 'GET',
          ...(init.body !== undefined
            ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
            : {}),
        }),
      close: () => server.close(),
    };
  };
  const h = await start();
  let kid: string;
  try {
    const client = await createClient(h, {
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access',
    });
    const auth = { id: client.client_id as string, secret: client.client_secret as string };
    const { verifier, challenge } = pkcePair();
    const { code } = await authorize(h, new Browser(), {
      client_id: auth.id,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope: 'openid offline_access',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    const first = (await (
      await token(
        h,
        { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier },
        auth,
      )
    ).json()) as Record<string, string>;
    assert.match(first.refresh_token!, /^ory_rt_/);
    const second = await token(
      h,
      { grant_type: 'refresh_token', refresh_token: first.refresh_token! },
      auth,
    );
    assert.equal(second.status, 200);
    const rotated = (await second.json()) as Record<string, string>;
    assert.equal(
      (await token(h, { grant_type: 'refresh_token', refresh_token: first.refresh_token! }, auth))
        .status,
      400,
    );
    assert.equal(
      (await token(h, { grant_type: 'refresh_token', refresh_token: rotated.refresh_token! }, auth))
        .status,
      400,
      'the family is revoked',
    );
    kid = (
      (await (await h.admin('/admin/keys/hydra.openid.id-token')).json()) as {
        keys: Array<{ kid: string }>;
      }
    ).keys[0]!.kid;
  } finally {
    await h.close();
  }
  const again = await start();
  try {
    const keys = (await (await again.admin('/admin/keys/hydra.openid.id-token')).json()) as {
      keys: Array<{ kid: string }>;
    };
    assert.equal(keys.keys[0]!.kid, kid);
  } finally {
    await again.close();
  }
});

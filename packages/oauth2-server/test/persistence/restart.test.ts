// Signing keys are generated on first start and kept: a restart on the same PGlite directory
// serves the same JWKS and still knows its clients.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createOAuth2Server, parseConfig } from '../../src/index.ts';

test('keys and clients survive a restart on the same data directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'oauth2-server-'));
  const config = parseConfig(
    {
      dsn: join(dir, 'db'),
      serve: { public: { port: 0 }, admin: { port: 0 } },
      urls: {
        self: { issuer: 'http://127.0.0.1:1' },
        login: 'http://a.test/login',
        consent: 'http://a.test/consent',
      },
    },
    { dev: true },
  );
  const jwks = async () => {
    const server = await createOAuth2Server({ config });
    try {
      const created = await server.handleAdmin(
        new Request('http://admin/admin/clients', {
          method: 'POST',
          body: JSON.stringify({
            client_id: `c-${Date.now()}`,
            redirect_uris: ['http://a.test/cb'],
          }),
        }),
      );
      assert.equal(created.status, 201);
      const list = (await (
        await server.handleAdmin(new Request('http://admin/admin/clients'))
      ).json()) as unknown[];
      const keys = (await (
        await server.handleAdmin(new Request('http://admin/admin/keys/hydra.openid.id-token'))
      ).json()) as { keys: Array<{ kid: string }> };
      return { kid: keys.keys[0]!.kid, clients: list.length };
    } finally {
      await server.close();
    }
  };
  try {
    const first = await jwks();
    const second = await jwks();
    assert.equal(second.kid, first.kid);
    assert.equal(second.clients, first.clients + 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

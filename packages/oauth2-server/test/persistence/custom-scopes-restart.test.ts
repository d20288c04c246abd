// A custom scope is known because a client registering it was validated; after a restart the
// server has only the standard scopes until the client is loaded again from storage — which the
// token and authorization endpoints do before they look at scopes. So a registered custom scope is
// still granted after a restart, without the client being registered again.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createOAuth2Server, parseConfig } from '../../src/index.ts';

test('a custom scope registered before a restart is granted after it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'oauth2-scopes-'));
  const config = parseConfig(
    {
      dsn: join(dir, 'db'),
      serve: { public: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
      urls: {
        self: { issuer: 'http://127.0.0.1:1' },
        login: 'http://a.test/login',
        consent: 'http://a.test/consent',
      },
    },
    { dev: true },
  );
  try {
    const before = await createOAuth2Server({ config });
    const created = await before.handleAdmin(
      new Request('http://admin/admin/clients', {
        method: 'POST',
        body: JSON.stringify({
          client_id: 'reports',
          client_secret: 'a-reports-client-secret',
          grant_types: ['client_credentials'],
          scope: 'reports.read',
        }),
      }),
    );
    assert.equal(created.status, 201, await created.clone().text());
    await before.close();

    const after = await createOAuth2Server({ config });
    try {
      const { publicURL } = await after.listen();
      const response = await fetch(`${publicURL}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from('reports:a-reports-client-secret').toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'reports.read' }),
      });
      const body = (await response.json()) as { scope?: string };
      assert.equal(response.status, 200, JSON.stringify(body));
      assert.equal(body.scope, 'reports.read');
    } finally {
      await after.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

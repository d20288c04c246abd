// The embedded Hydra-compatible server on ephemeral ports, and client_credentials tokens minted from
// it: the quickest real `ory_at_` access tokens for gateway tests.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createOAuth2Server, parseConfig, type OAuth2Server } from '@vestibule/oauth2-server';

export interface EmbeddedHydra {
  server: OAuth2Server;
  publicURL: string;
  adminURL: string;
  /** A confidential client allowed client_credentials and `scope`; returns its id and secret. */
  createClient(scope: string): Promise<{ id: string; secret: string }>;
  /** A client_credentials access token for `scope`, and the token response. */
  mint(client: { id: string; secret: string }, scope: string): Promise<Record<string, string>>;
  revoke(client: { id: string; secret: string }, token: string): Promise<void>;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedHydra(
  options: { accessTokenStrategy?: 'opaque' | 'jwt' } = {},
): Promise<EmbeddedHydra> {
  const port = await freePort();
  const config = parseConfig(
    {
      dsn: 'memory',
      serve: { public: { port }, admin: { port: 0 } },
      urls: {
        self: { issuer: `http://127.0.0.1:${port}` },
        login: 'http://login.test/oauth2/login',
        consent: 'http://login.test/oauth2/consent',
        logout: 'http://login.test/oauth2/logout',
        error: 'http://login.test/oauth2/error',
      },
      secrets: { system: ['a-system-secret-of-32-characters!'] },
      strategies: { access_token: options.accessTokenStrategy ?? 'opaque' },
    },
    { dev: true },
  );
  const server = await createOAuth2Server({ config });
  const { publicURL, adminURL } = await server.listen();
  const basic = (c: { id: string; secret: string }) =>
    `Basic ${Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString('base64')}`;
  return {
    server,
    publicURL,
    adminURL,
    async createClient(scope) {
      const response = await fetch(`${adminURL}/admin/clients`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: ['client_credentials'], scope }),
      });
      const body = (await response.json()) as Record<string, string>;
      assert.equal(response.status, 201, JSON.stringify(body));
      return { id: body.client_id!, secret: body.client_secret! };
    },
    async mint(client, scope) {
      const response = await fetch(`${publicURL}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(client),
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }),
      });
      const body = (await response.json()) as Record<string, string>;
      assert.equal(response.status, 200, JSON.stringify(body));
      assert.match(
        body.access_token!,
        options.accessTokenStrategy === 'jwt' ? /^[\w-]+\.[\w-]+\.[\w-]+$/ : /^ory_at_/,
      );
      return body;
    },
    async revoke(client, token) {
      const response = await fetch(`${publicURL}/oauth2/revoke`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic(client),
        },
        body: new URLSearchParams({ token }),
      });
      assert.equal(response.status, 200);
    },
    close: () => server.close(),
  };
}

// doctor's redirect probe against the embedded OAuth2 server, its admin API reached through the
// official SDK (the CLI's one factory) behind a proxy that can misbehave: the probe learns
// urls.login and urls.consent and leaves nothing behind; a cleanup step Hydra refuses is
// reported with Hydra's status; an admin API that never answers ends at the probe's deadline.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createOAuth2Server, parseConfig, type OAuth2Server } from '@vestibule/oauth2-server';
import { probeRedirects } from '../../src/doctor/hydra-redirects.ts';

const LOGIN = 'http://edge.test/oauth2/login';
const CONSENT = 'http://edge.test/oauth2/consent';

let hydra: OAuth2Server;
let publicURL: string;
let adminURL: string;
let proxy: Server;
let proxyURL: string;
/** What the proxy does to the next admin calls: pass them on, refuse client deletion, or hang. */
let mode: 'pass' | 'refuse-delete' | 'hang' = 'pass';
const calls: string[] = [];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

before(async () => {
  const port = await freePort();
  hydra = await createOAuth2Server({
    config: parseConfig(
      {
        dsn: 'memory',
        serve: { public: { port }, admin: { port: 0 } },
        urls: { self: { issuer: `http://127.0.0.1:${port}` }, login: LOGIN, consent: CONSENT },
        secrets: { system: ['a-system-secret-of-32-characters!'] },
      },
      { dev: true },
    ),
  });
  ({ publicURL, adminURL } = await hydra.listen());
  proxy = createServer((req, res) => {
    calls.push(`${req.method} ${(req.url ?? '').split('?')[0]}`);
    if (mode === 'hang') return; // never answers
    if (
      mode === 'refuse-delete' &&
      req.method === 'DELETE' &&
      req.url?.startsWith('/admin/clients/')
    ) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"server_error","error_description":"refused for the test"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      fetch(`${adminURL}${req.url}`, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/json' },
        ...(body.length ? { body } : {}),
      }).then(
        async (answer) => {
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/json',
          });
          res.end(Buffer.from(await answer.arrayBuffer()));
        },
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyURL = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
after(async () => {
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  await hydra.close();
});

async function clientIDs(): Promise<string[]> {
  const clients = (await (await fetch(`${adminURL}/admin/clients`)).json()) as Array<{
    client_id: string;
  }>;
  return clients.map((c) => c.client_id).sort();
}

test('learns urls.login and urls.consent through the SDK, and cleans up every step', async () => {
  mode = 'pass';
  calls.length = 0;
  const before = await clientIDs();
  const result = await probeRedirects(publicURL, proxyURL, 5_000);
  assert.match(result.login!.location!, /^http:\/\/edge\.test\/oauth2\/login\?login_challenge=/);
  assert.match(
    result.consent!.location!,
    /^http:\/\/edge\.test\/oauth2\/consent\?consent_challenge=/,
  );
  assert.equal(result.login!.error, undefined);
  assert.equal(result.login!.cleanup, undefined);
  assert.deepEqual(calls, [
    'POST /admin/clients',
    'PUT /admin/oauth2/auth/requests/login/accept',
    'PUT /admin/oauth2/auth/requests/consent/reject',
    'DELETE /admin/oauth2/auth/sessions/login',
    `DELETE /admin/clients/${calls.at(-1)!.split('/').at(-1)}`,
  ]);
  assert.deepEqual(await clientIDs(), before, 'the probe client is gone');
});

test("a cleanup step Hydra refuses is reported with Hydra's answer", async () => {
  mode = 'refuse-delete';
  const result = await probeRedirects(publicURL, proxyURL, 5_000);
  assert.ok(result.consent?.location, 'the probe itself still answered');
  assert.match(
    result.login!.cleanup!,
    /^client [\w-]+ not deleted: HTTP 500: \{"error":"server_error","error_description":"refused for the test"\}$/,
  );
  // Leave nothing behind for the next test.
  for (const id of await clientIDs())
    await fetch(`${adminURL}/admin/clients/${id}`, { method: 'DELETE' });
});

test('an admin API that never answers ends at the deadline, with no client to clean up', async () => {
  mode = 'hang';
  // Settling at all is the point: without the SDK client's deadline this would wait forever.
  const result = await probeRedirects(publicURL, proxyURL, 300);
  assert.match(result.login!.error!, /^creating the probe client: .*(timeout|aborted)/i);
  assert.equal(result.login!.cleanup, undefined);
  assert.equal(result.consent, undefined);
  mode = 'pass';
});

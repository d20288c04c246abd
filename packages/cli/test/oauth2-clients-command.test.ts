// `vestibule oauth2 clients create|list|delete` against the embedded OAuth2 server's admin API.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createOAuth2Server, parseConfig, type OAuth2Server } from '@vestibule/oauth2-server';
import { main } from '../src/main.ts';
import type { CLIIO } from '../src/terminal/io.ts';

let server: OAuth2Server;
let adminURL: string;

before(async () => {
  server = await createOAuth2Server({
    config: parseConfig(
      {
        serve: { public: { port: 0 }, admin: { port: 0 } },
        urls: {
          self: { issuer: 'http://127.0.0.1:1' },
          login: 'http://edge.test/oauth2/login',
          consent: 'http://edge.test/oauth2/consent',
        },
      },
      { dev: true },
    ),
  });
  adminURL = (await server.listen()).adminURL;
});
after(() => server.close());

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CLIIO = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env: { VESTIBULE_HYDRA_ADMIN_URL: adminURL },
    cwd: process.cwd(),
    untilStopped: () => new Promise(() => {}),
  };
  const code = await main(argv, io);
  return { code, out: out.join(''), err: err.join('') };
}

test('create prints the client with its secret; list shows it; delete removes it', async () => {
  const created = await run(
    'oauth2',
    'clients',
    'create',
    '--name',
    'Notes RP',
    '--redirect-uri',
    'http://127.0.0.1:4002/callback',
  );
  assert.equal(created.code, 0, created.err);
  const client = JSON.parse(created.out) as {
    client_id: string;
    client_secret: string;
    redirect_uris: string[];
  };
  assert.ok(client.client_secret);
  assert.deepEqual(client.redirect_uris, ['http://127.0.0.1:4002/callback']);
  const listed = await run('oauth2', 'clients', 'list');
  assert.match(
    listed.out,
    new RegExp(`${client.client_id}\\tNotes RP\\thttp://127.0.0.1:4002/callback`),
  );
  assert.equal((await run('oauth2', 'clients', 'delete', client.client_id)).code, 0);
  assert.doesNotMatch((await run('oauth2', 'clients', 'list')).out, new RegExp(client.client_id));
});

test('a public client has no secret; usage errors exit 2; Hydra refusals exit 1 with its error', async () => {
  const pub = await run(
    'oauth2',
    'clients',
    'create',
    '--public',
    '--redirect-uri',
    'http://127.0.0.1:4002/cb',
  );
  assert.equal(pub.code, 0);
  assert.equal((JSON.parse(pub.out) as { client_secret?: string }).client_secret, undefined);
  assert.equal((await run('oauth2', 'clients', 'create')).code, 2);
  assert.equal((await run('oauth2', 'things')).code, 2);
  const missing = await run('oauth2', 'clients', 'delete', 'no-such-client');
  assert.equal(missing.code, 1);
  assert.match(missing.err, /404/);
});

// The embedded OAuth2 server vs a bare Node HTTP endpoint, side by side in one run: (1) token
// endpoint (client_credentials, client_secret_basic: client lookup, token minted and stored) and
// (2) admin introspection of an opaque access token (lookup + consent claims), each against a bare
// endpoint answering canned JSON over the same sockets. autocannon drives both from this process;
// rounds alternate so load from other processes hits both alike. Ratios, not absolute numbers,
// are the result (the machine is shared).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { createOAuth2Server, parseConfig } from '../packages/oauth2-server/src/index.ts';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

async function rate(
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string },
): Promise<number> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, ...init });
  if (result.non2xx > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers`);
  return result.requests.average;
}

const server = await createOAuth2Server({
  config: parseConfig(
    {
      serve: { public: { port: 0 }, admin: { port: 0 } },
      urls: {
        self: { issuer: 'http://127.0.0.1:1' },
        login: 'http://a.test/l',
        consent: 'http://a.test/c',
      },
    },
    { dev: true },
  ),
});
const { publicURL, adminURL } = await server.listen();
const client = (await (
  await fetch(`${adminURL}/admin/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_types: ['client_credentials'], scope: 'openid' }),
  })
).json()) as { client_id: string; client_secret: string };
const basic = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const issued = (await (
  await fetch(`${publicURL}/oauth2/token`, {
    method: 'POST',
    headers: { ...form, authorization: basic },
    body: 'grant_type=client_credentials',
  })
).json()) as { access_token: string };

const tokenJSON = JSON.stringify({
  access_token: 'ory_at_x',
  expires_in: 3600,
  token_type: 'bearer',
  scope: '',
});
const introJSON = JSON.stringify({
  active: true,
  client_id: 'c',
  sub: 'c',
  scope: '',
  exp: 1,
  iat: 1,
  token_use: 'access_token',
});
const bare = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(req.url === '/token' ? tokenJSON : introJSON);
  });
});
await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
const bareURL = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;

const cases = [
  {
    name: 'token endpoint (client_credentials)',
    subject: () =>
      rate(`${publicURL}/oauth2/token`, {
        method: 'POST',
        headers: { ...form, authorization: basic },
        body: 'grant_type=client_credentials',
      }),
    baseline: () =>
      rate(`${bareURL}/token`, {
        method: 'POST',
        headers: form,
        body: 'grant_type=client_credentials',
      }),
  },
  {
    name: 'admin introspection (opaque token)',
    subject: () =>
      rate(`${adminURL}/admin/oauth2/introspect`, {
        method: 'POST',
        headers: form,
        body: `token=${issued.access_token}`,
      }),
    baseline: () =>
      rate(`${bareURL}/introspect`, {
        method: 'POST',
        headers: form,
        body: `token=${issued.access_token}`,
      }),
  },
];
for (const c of cases) {
  const subject: number[] = [];
  const baseline: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    subject.push(await c.subject());
    baseline.push(await c.baseline());
  }
  const s = Math.max(...subject);
  const b = Math.max(...baseline);
  console.log(
    `${c.name}: ${s.toFixed(0)} req/s vs bare ${b.toFixed(0)} req/s → ${(s / b).toFixed(3)} of a bare endpoint`,
  );
}
bare.close();
await server.close();

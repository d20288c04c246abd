// The embedded OAuth2 server vs a bare Node HTTP endpoint, side by side in one run: (1) token
// endpoint (client_credentials, client_secret_basic: client lookup, token minted and stored),
// (2) admin introspection of an opaque access token (lookup + consent claims), each against a bare
// endpoint answering canned JSON over the same sockets; (3) the authorization_code exchange and
// (4) refresh, each a one-use credential (codes minted through the login/consent flow before the
// clock starts; refresh as chains, one per worker), against the same bare endpoint driven the same
// way; (5) the gateway: one route with a cached introspection vs the same kind of route with a
// cached Kratos session. autocannon drives the repeatable cases; rounds alternate so load from
// other processes hits both alike. Ratios, not absolute numbers, are the result (the machine is
// shared).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { createOAuth2Server, parseConfig } from '../packages/oauth2-server/src/index.ts';
import {
  authorize,
  Browser,
  pkcePair,
  type Harness,
} from '../packages/oauth2-server/test/support/harness.ts';
import { createGateway } from '../packages/vestibule/src/gateway/index.ts';
import { createLogger } from '../packages/vestibule/src/lib/logger.ts';
import { startFakeKratos } from '../packages/vestibule/test/support/fake-kratos.ts';

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

interface BenchCase {
  name: string;
  versus?: string;
  subject(): Promise<number>;
  baseline(): Promise<number>;
}

const cases: BenchCase[] = [
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
for (const c of cases) await report(c);

async function report(c: BenchCase): Promise<void> {
  const subject: number[] = [];
  const baseline: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    subject.push(await c.subject());
    baseline.push(await c.baseline());
  }
  const s = Math.max(...subject);
  const b = Math.max(...baseline);
  console.log(
    `${c.name}: ${s.toFixed(0)} req/s vs ${c.versus ?? 'bare'} ${b.toFixed(0)} req/s → ${(s / b).toFixed(3)} of ${c.versus ?? 'a bare endpoint'}`,
  );
}

// (3) and (4): one-use credentials, so a fixed autocannon body cannot drive them.
const CALLBACK = 'http://127.0.0.1:5555/callback';
const CODES = Number(process.env.BENCH_CODES ?? 200);
const rp = (await (
  await fetch(`${adminURL}/admin/clients`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      redirect_uris: [CALLBACK],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid offline_access',
    }),
  })
).json()) as { client_id: string; client_secret: string };
const rpBasic = `Basic ${Buffer.from(`${encodeURIComponent(rp.client_id)}:${encodeURIComponent(rp.client_secret)}`).toString('base64')}`;
const harness = {
  publicURL,
  adminURL,
  admin: (path: string, init: { method?: string; body?: unknown } = {}) =>
    fetch(`${adminURL}${path}`, {
      method: init.method ?? 'GET',
      ...(init.body !== undefined
        ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
        : {}),
    }),
} as unknown as Harness;

async function mintCodes(count: number): Promise<Array<{ code: string; verifier: string }>> {
  const browser = new Browser();
  const codes: Array<{ code: string; verifier: string }> = [];
  for (let i = 0; i < count; i++) {
    const { verifier, challenge } = pkcePair();
    const { code } = await authorize(harness, browser, {
      client_id: rp.client_id,
      response_type: 'code',
      redirect_uri: CALLBACK,
      scope: 'openid offline_access',
      state: 'state-0123456789',
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    codes.push({ code, verifier });
  }
  return codes;
}

/** Requests per second of `CONNECTIONS` workers each calling `once` until `total` calls are done. */
async function drive(total: number, once: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (next < total) await once(next++);
    }),
  );
  return total / ((performance.now() - started) / 1000);
}

const post = async (url: string, body: string, authorization?: string) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...form, ...(authorization ? { authorization } : {}) },
    body,
  });
  const json = (await response.json()) as Record<string, string>;
  if (response.status !== 200)
    throw new Error(`${url}: ${response.status} ${JSON.stringify(json)}`);
  return json;
};

const exchangeBody = (c: { code: string; verifier: string }) =>
  new URLSearchParams({
    grant_type: 'authorization_code',
    code: c.code,
    redirect_uri: CALLBACK,
    code_verifier: c.verifier,
  }).toString();

const mintStarted = performance.now();
const codes = await mintCodes(CODES * ROUNDS + CONNECTIONS);
console.log(
  `(minted ${codes.length} codes through the login/consent flow in ${((performance.now() - mintStarted) / 1000).toFixed(1)} s)`,
);
const chains = codes.splice(0, CONNECTIONS);
const refreshTokens: string[] = [];
for (const c of chains)
  refreshTokens.push(
    (await post(`${publicURL}/oauth2/token`, exchangeBody(c), rpBasic)).refresh_token!,
  );

await report({
  name: 'token endpoint (authorization_code exchange)',
  subject: () =>
    drive(CODES, async () => {
      await post(`${publicURL}/oauth2/token`, exchangeBody(codes.pop()!), rpBasic);
    }),
  baseline: () =>
    drive(CODES, async () => {
      await post(`${bareURL}/token`, exchangeBody({ code: 'ory_ac_x', verifier: 'v' }), rpBasic);
    }),
});
let worker = 0;
await report({
  name: 'token endpoint (refresh_token, rotating)',
  subject: () =>
    drive(CODES, async () => {
      const chain = worker++ % CONNECTIONS;
      const body = `grant_type=refresh_token&refresh_token=${refreshTokens[chain]}`;
      refreshTokens[chain] = (
        await post(`${publicURL}/oauth2/token`, body, rpBasic)
      ).refresh_token!;
    }),
  baseline: () =>
    drive(CODES, async () => {
      await post(`${bareURL}/token`, 'grant_type=refresh_token&refresh_token=ory_rt_x', rpBasic);
    }),
});

// (5) The gateway: the same kind of rule, a cached introspection vs a cached Kratos session.
const kratos = await startFakeKratos();
const { token: sessionToken } = kratos.addSession({ email: 'bench@example.com' });
const gateway = createGateway({
  upstreamURL: bareURL,
  kratosPublicURL: kratos.url,
  headerSecret: 'bench-header-secret-0123456789abcdef',
  logger: createLogger({ level: 'error', write: () => {} }),
  rules: [
    { id: 'session', path: '/session/**', mode: 'required' },
    { id: 'token', path: '/token-route/**', mode: 'required', scopes: ['openid'] },
  ],
  accessTokens: { hydraAdminURL: adminURL, ttlMs: 600_000 },
});
const edge = createServer((req, res) => void gateway.handle(req, res));
await new Promise<void>((resolve) => edge.listen(0, '127.0.0.1', resolve));
const edgeURL = `http://127.0.0.1:${(edge.address() as AddressInfo).port}`;
const scoped = (await post(
  `${publicURL}/oauth2/token`,
  'grant_type=client_credentials&scope=openid',
  basic,
)) as { access_token: string };
const get = (url: string, headers: Record<string, string>) =>
  autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers }).then((r) => {
    if (r.non2xx > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers`);
    return r.requests.average;
  });
await report({
  name: 'gateway route, cached introspection (Bearer ory_at_)',
  versus: 'a cached Kratos session',
  subject: () =>
    get(`${edgeURL}/token-route/x`, { authorization: `Bearer ${scoped.access_token}` }),
  baseline: () => get(`${edgeURL}/session/x`, { cookie: `ory_kratos_session=${sessionToken}` }),
});

edge.close();
await gateway.close?.();
await kratos.stop();
bare.close();
await server.close();

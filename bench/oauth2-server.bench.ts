// The embedded OAuth2 server vs a bare Node HTTP endpoint, side by side in one run: (1) token
// endpoint (client_credentials, client_secret_basic: client lookup, token minted and stored),
// (2) admin introspection of an opaque access token (lookup + consent claims), each against a bare
// endpoint answering canned JSON over the same sockets; (3) the authorization_code exchange and
// (4) refresh, each a one-use credential (codes minted through the login/consent flow before the
// clock starts; refresh as chains, one per worker), against the same bare endpoint driven the same
// way; (5) the gateway: one route with a cached introspection vs the same kind of route with a
// cached Kratos session, over HTTP (throughput, and CPU per request) and (6) planned in process
// (the per-request work alone). autocannon drives the repeatable cases; rounds alternate so load
// from other processes hits both alike. Ratios, not absolute numbers, are the result (the machine
// is shared). `BENCH_ONLY=endpoints|grants|gateway|planning` runs one part.
import { createServer, type IncomingMessage } from 'node:http';
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
import { createPlanner } from '../packages/vestibule/src/gateway/plan.ts';
import { validateGatewayOptions } from '../packages/vestibule/src/gateway/options.ts';
import { compileRules } from '../packages/vestibule/src/access/rules.ts';
import { createSessionResolver } from '../packages/vestibule/src/session/resolver.ts';
import { createAccessTokenVerifier } from '../packages/vestibule/src/access-token/verifier.ts';
import { createLogger } from '../packages/vestibule/src/lib/logger.ts';
import { startFakeKratos } from '../packages/vestibule/test/support/fake-kratos.ts';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const SECRET = 'bench-header-secret-0123456789abcdef';
// `BENCH_ONLY=endpoints|grants|gateway|planning`: one part alone (the gateway comparisons without
// minting codes).
const ONLY = process.env.BENCH_ONLY;
const runs = (part: 'endpoints' | 'grants' | 'gateway' | 'planning') => !ONLY || ONLY === part;

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
if (runs('endpoints')) for (const c of cases) await report(c);

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

if (runs('grants')) {
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
}

// (5) The gateway: the same kind of rule, a cached introspection vs a cached Kratos session.
const kratos = await startFakeKratos();
const { token: sessionToken } = kratos.addSession({ email: 'bench@example.com' });
const gateway = createGateway({
  upstreamURL: bareURL,
  kratosPublicURL: kratos.url,
  headerSecret: SECRET,
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
// Requests per second, and this process's CPU time per request (autocannon, the edge and the
// upstream all run here, the OAuth2 server idles on a cached path): the CPU figure moves far less
// than throughput when other processes load the machine.
async function drivePath(url: string, headers: Record<string, string>) {
  const cpu = process.cpuUsage();
  const r = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, headers });
  const used = process.cpuUsage(cpu);
  if (r.non2xx > 0) throw new Error(`${url}: ${r.non2xx} non-2xx answers`);
  return { rate: r.requests.average, cpuMicros: (used.user + used.system) / r.requests.total };
}
if (runs('gateway')) {
  const token = () =>
    drivePath(`${edgeURL}/token-route/x`, { authorization: `Bearer ${scoped.access_token}` });
  const session = () =>
    drivePath(`${edgeURL}/session/x`, { cookie: `ory_kratos_session=${sessionToken}` });
  await token(); // warm-up: JIT, and the one introspection
  await session();
  const tokens: Array<{ rate: number; cpuMicros: number }> = [];
  const sessions: Array<{ rate: number; cpuMicros: number }> = [];
  for (let round = 0; round < ROUNDS; round++) {
    tokens.push(await token());
    sessions.push(await session());
  }
  const best = (xs: number[]) => Math.max(...xs);
  const least = (xs: number[]) => Math.min(...xs);
  const t = best(tokens.map((x) => x.rate));
  const k = best(sessions.map((x) => x.rate));
  console.log(
    `gateway route, cached introspection (Bearer ory_at_): ${t.toFixed(0)} req/s vs a cached Kratos session ${k.toFixed(0)} req/s → ${(t / k).toFixed(3)} of a cached Kratos session`,
  );
  const tc = least(tokens.map((x) => x.cpuMicros));
  const kc = least(sessions.map((x) => x.cpuMicros));
  console.log(
    `  CPU per request in this process (least of ${ROUNDS}): ${tc.toFixed(1)} µs vs ${kc.toFixed(1)} µs → ${(kc / tc).toFixed(3)} (cached session ÷ cached introspection)`,
  );
}

// The same two requests planned in process, no sockets: rule match, credential, cache peek, User,
// identity headers and their signature — the per-request work the access-token path must keep at
// the session path's cost. Interleaved batches, the least time per plan of each; robust to load.
if (runs('planning')) {
  const rules = compileRules([
    { id: 'session', path: '/session/**', mode: 'required' },
    { id: 'token', path: '/token-route/**', mode: 'required', scopes: ['openid'] },
  ]);
  const options = {
    upstreamURL: bareURL,
    kratosPublicURL: kratos.url,
    headerSecret: SECRET,
    rules: [],
  };
  const sessions = createSessionResolver({ kratosPublicURL: kratos.url, ttlMs: 600_000 });
  const accessTokens = createAccessTokenVerifier({ hydraAdminURL: adminURL, ttlMs: 600_000 });
  const plan = createPlanner({
    rules,
    ctx: {
      sessions,
      accessTokens,
      defaultRole: 'user',
      defaultDecision: 'deny',
      loginURL: '/login',
      logger: createLogger({ level: 'error', write: () => {} }),
    },
    settings: validateGatewayOptions(options),
    extraIdentityHeaders: new Set(),
    cookieName: sessions.cookieName,
    secretFor: () => SECRET,
    now: Date.now,
  });
  const fakeRequest = (url: string, name: string, value: string) =>
    ({
      url,
      method: 'GET',
      headers: { host: 'edge.test', [name]: value },
      rawHeaders: ['host', 'edge.test', name, value],
      socket: { remoteAddress: '127.0.0.1' },
    }) as unknown as IncomingMessage;
  const tokenRequest = fakeRequest(
    '/token-route/x',
    'authorization',
    `Bearer ${scoped.access_token}`,
  );
  const sessionRequest = fakeRequest('/session/x', 'cookie', `ory_kratos_session=${sessionToken}`);
  // Fill both caches (one introspection, one whoami), then every plan is a cache hit.
  for (const request of [tokenRequest, sessionRequest]) {
    const planned = await plan(request);
    if (!planned.forward) throw new Error(`not forwarded: ${JSON.stringify(planned.decision)}`);
  }
  const BATCH = 20_000;
  const timePer = (request: IncomingMessage) => {
    const started = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) {
      if (plan(request) instanceof Promise) throw new Error('a cached request went async');
    }
    return Number(process.hrtime.bigint() - started) / BATCH;
  };
  for (let i = 0; i < 5; i++) {
    timePer(tokenRequest); // JIT
    timePer(sessionRequest);
  }
  const tokenNs: number[] = [];
  const sessionNs: number[] = [];
  for (let round = 0; round < 20; round++) {
    tokenNs.push(timePer(tokenRequest));
    sessionNs.push(timePer(sessionRequest));
  }
  const t = Math.min(...tokenNs);
  const k = Math.min(...sessionNs);
  console.log(
    `  planning one request in process (least of 20 × ${BATCH}): ${(t / 1000).toFixed(2)} µs vs ${(k / 1000).toFixed(2)} µs → ${(k / t).toFixed(3)} (cached session ÷ cached introspection)`,
  );
}

edge.close();
await gateway.close?.();
await kratos.stop();
bare.close();
await server.close();

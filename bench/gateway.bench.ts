// Gateway overhead, side by side in one run, same upstream, same machine, same load. Each server runs
// in its own process; autocannon drives all of them from this one.
//   upstream direct           the app itself (floor for everything)
//   bare hop (undici)         a Node proxy hop with no hygiene: undici Pool.stream into the response
//   bare hop (undici dispatch) the same on undici's dispatch handler API, the transport the edge uses
//   bare hop (node:http)      the same with node:http + a keep-alive Agent (which transport to use)
//   dispatch hop + issue crypto  the dispatch hop plus only what issue 4 mandates per cached request
//                             (SHA-256 cache key, HMAC-SHA256 signature, identity headers)
//   edge public / optional (anonymous, with session) / required (cached session): createGateway
//   edge required, access token (cached introspection): a Hydra `ory_at_` token on a scoped rule;
//                             compared with the cached Kratos session on the same kind of rule
//   microservice pattern      proxy → header service → Kratos whoami on EVERY request → upstream,
//                             the Oathkeeper + "header enrichment" setup the gateway replaces
// Kratos is the embedded identity server (PGlite in memory) in its own process; the session is a
// real one from an API registration flow, sent as X-Session-Token.
// Targets (issue 4): required-cached ≥ 0.9× bare hop; optional with session ≥ 5× microservice.
import { execFileSync, fork } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';
import {
  createServer,
  request as httpRequest,
  Agent as HttpAgent,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Dispatcher } from 'undici';

type Controller = Dispatcher.DispatchController;

const DURATION_S = Number(process.env.BENCH_DURATION ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 4);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const SECRET = 'bench-header-secret-0123456789abcdef';
const BENCH_ACCESS_TOKEN =
  'ory_at_bench-0123456789abcdefghijklmnopqrstuvwxyz.ABCDEFGHIJKLMNOPQRSTUV';

// CPU pinning (Linux `taskset`, on by default with ≥ 2 CPUs; BENCH_PIN=0 turns it off): the load
// generator and the upstream share CPU 0, each hop and the edge get CPU 1. Unpinned, the scheduler
// moves the proxy under test between cores shared with autocannon and the upstream, and the ratios
// of one run swing by ±15 %; pinned, each hop has the same single core, so req/s ratios measure what
// the proxy side costs. The microservice pattern's three processes (proxy, header service, Kratos)
// stay unpinned: on one core they would thrash each other, so they may use both — a head start for
// that baseline, never for the edge.
const CLIENT_CPU = '0';
const PROXY_CPU = '1';
const ALL_CPUS = `0-${cpus().length - 1}`;
const PIN = process.env.BENCH_PIN !== '0' && availableParallelism() >= 2 && hasTaskset();

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Pins every thread of `pid` to one CPU (threads started later inherit it). */
function pin(pid: number, cpu: string): void {
  if (PIN) execFileSync('taskset', ['-a', '-p', '-c', cpu, String(pid)], { stdio: 'ignore' });
}

async function listen(server: Server): Promise<number> {
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function serveUpstream(): Promise<number> {
  const body = Buffer.from('{"ok":true,"notes":[1,2,3]}');
  return listen(
    createServer((req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': body.length,
        'x-saw-user': String(req.headers['x-user-id'] ?? ''),
      });
      res.end(body);
    }),
  );
}

async function serveKratos(): Promise<number> {
  const { createIdentityServer, defaultConfig } =
    await import('../packages/identity-server/src/index.ts');
  const server = await createIdentityServer({
    config: defaultConfig({
      serve: { public: { host: '127.0.0.1', port: 0 }, admin: { host: '127.0.0.1', port: 0 } },
      hashers: { bcrypt: { cost: 4 } },
    }),
    log: () => {},
  });
  const listening = await server.listen();
  return new URL(listening.publicURL).port as unknown as number;
}

async function serveBareUndici(upstreamURL: string): Promise<number> {
  const { Pool } = await import('undici');
  const pool = new Pool(upstreamURL, { connections: 128 });
  return listen(
    createServer((req, res) => {
      pool
        .stream(
          { path: req.url!, method: 'GET', headers: req.headers as Record<string, string> },
          ({ statusCode, headers }) => {
            res.writeHead(statusCode, headers as Record<string, string>);
            return res;
          },
        )
        .catch(() => res.destroy());
    }),
  );
}

/** The dispatch handler both dispatch hops use: the upstream response into `res`, with back-pressure. */
function relayInto(res: ServerResponse): Dispatcher.DispatchHandler {
  return {
    onRequestStart() {},
    onResponseStart(_c: Controller, status: number, headers: Record<string, string>) {
      res.writeHead(status, headers);
    },
    onResponseData(c: Controller, chunk: Buffer) {
      if (!res.write(chunk)) {
        c.pause();
        res.once('drain', () => c.resume());
      }
    },
    onResponseEnd() {
      res.end();
    },
    onResponseError() {
      res.destroy();
    },
  };
}

/** The leanest hop we know how to write: undici's dispatch handler, no stream wrapper, no hygiene. */
async function serveBareDispatch(upstreamURL: string): Promise<number> {
  const { Pool } = await import('undici');
  const pool = new Pool(upstreamURL, { connections: 128 });
  return listen(
    createServer((req, res) => {
      pool.dispatch(
        { path: req.url!, method: 'GET', headers: req.headers as Record<string, string> },
        relayInto(res),
      );
    }),
  );
}

/**
 * The dispatch hop plus only the per-request work issue 4 itself mandates for a cached `required`
 * request: SHA-256 of the credential (the cache key), a map lookup, and an HMAC-SHA256 signature
 * with the identity headers, using the edge's own functions. No rules, no header hygiene, no
 * X-Forwarded-*: the cheapest hop that meets the contract, so the bench shows how much of the
 * edge's cost the contract alone accounts for.
 */
async function serveBareDispatchSigned(upstreamURL: string): Promise<number> {
  const { Pool } = await import('undici');
  const { credentialKey } = await import('../packages/vestibule/src/session/cache.ts');
  const { appendSignedIdentityHeaders, encodeIdentity } =
    await import('../packages/vestibule/src/identity-headers/sign.ts');
  const pool = new Pool(upstreamURL, { connections: 128 });
  const identity = encodeIdentity({
    id: '5f0c7a2e-0000-4000-8000-00000000b37c',
    email: 'bench@example.com',
    role: 'user',
  });
  const sessions = new Map<string, typeof identity>();
  return listen(
    createServer((req, res) => {
      const token = req.headers['x-session-token'];
      if (typeof token !== 'string') return void res.writeHead(401).end();
      const key = credentialKey({ kind: 'token', value: token });
      let values = sessions.get(key);
      if (!values) sessions.set(key, (values = identity));
      const headers = appendSignedIdentityHeaders(
        [...req.rawHeaders],
        SECRET,
        { method: 'GET', path: req.url! },
        values,
        Date.now(),
      );
      pool.dispatch({ path: req.url!, method: 'GET', headers }, relayInto(res));
    }),
  );
}

async function serveBareNode(upstreamURL: string): Promise<number> {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: 128 });
  const target = new URL(upstreamURL);
  return listen(
    createServer((req, res) => {
      const up = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
          agent,
        },
        (upRes) => {
          res.writeHead(upRes.statusCode!, upRes.headers);
          upRes.pipe(res);
        },
      );
      up.on('error', () => res.destroy());
      req.pipe(up);
    }),
  );
}

async function serveEdge(upstreamURL: string, kratosURL: string): Promise<number> {
  const { createGateway } = await import('../packages/vestibule/src/gateway/index.ts');
  const { createLogger } = await import('../packages/vestibule/src/lib/logger.ts');
  // Hydra's introspection for the one bench token: cached after the first request, so what is
  // measured is the cached path, as for the Kratos session.
  const introspectionPort = await listen(
    createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          active: true,
          sub: '4f6a1c52-0d0e-4c1a-9d51-7d0b3f1c2a10',
          client_id: 'bench-client',
          scope: 'openid notes.read',
          exp: Math.floor(Date.now() / 1000) + 3600,
          token_use: 'access_token',
        }),
      );
    }),
  );
  const gateway = createGateway({
    upstreamURL,
    kratosPublicURL: kratosURL,
    headerSecret: SECRET,
    cache: { ttlMs: 60_000 },
    accessTokens: { hydraAdminURL: `http://127.0.0.1:${introspectionPort}`, ttlMs: 60_000 },
    logger: createLogger({ level: 'error' }),
    rules: [
      { path: '/public', mode: 'public' },
      { path: '/optional', mode: 'optional' },
      { path: '/required', mode: 'required' },
      { path: '/scoped', mode: 'required', scopes: ['notes.read'] },
    ],
  });
  return listen(createServer((req, res) => void gateway.handle(req, res)));
}

/** The header microservice: asks Kratos whoami for every request, answers with identity headers. */
async function serveHeaderService(kratosURL: string): Promise<number> {
  const { Pool } = await import('undici');
  const kratos = new Pool(kratosURL, { connections: 64 });
  return listen(
    createServer(async (req, res) => {
      const token = req.headers['x-session-token'];
      const headers: Record<string, string> = {};
      if (typeof token === 'string') {
        const r = await kratos.request({
          path: '/sessions/whoami',
          method: 'GET',
          headers: { 'x-session-token': token },
        });
        if (r.statusCode === 200) {
          const session = (await r.body.json()) as {
            identity: { id: string; traits: { email?: string } };
          };
          headers['x-user-id'] = session.identity.id;
          headers['x-user-email'] = session.identity.traits.email ?? '';
        } else await r.body.dump();
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(headers));
    }),
  );
}

/** The Oathkeeper-style proxy: ask the header service, then forward with its headers. */
async function serveMicroserviceProxy(upstreamURL: string, serviceURL: string): Promise<number> {
  const { Pool } = await import('undici');
  const upstream = new Pool(upstreamURL, { connections: 128 });
  const service = new Pool(serviceURL, { connections: 64 });
  return listen(
    createServer(async (req, res) => {
      try {
        const token = req.headers['x-session-token'];
        const decided = await service.request({
          path: '/decide',
          method: 'GET',
          headers: typeof token === 'string' ? { 'x-session-token': token } : {},
        });
        const identity = (await decided.body.json()) as Record<string, string>;
        await upstream.stream(
          { path: req.url!, method: 'GET', headers: { ...identity } },
          ({ statusCode, headers }) => {
            res.writeHead(statusCode, headers as Record<string, string>);
            return res;
          },
        );
      } catch {
        res.destroy();
      }
    }),
  );
}

interface Child {
  port: number;
  /** CPU time (user + system, µs) the child process has used so far. */
  cpu(): Promise<number>;
  kill(): void;
}

function child(role: string, ...args: string[]): Promise<Child> {
  const proc = fork(fileURLToPath(import.meta.url), [role, ...args], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (role === '--upstream') pin(proc.pid!, CLIENT_CPU);
  else if (role.startsWith('--bare') || role === '--edge') pin(proc.pid!, PROXY_CPU);
  // A child inherits this process's pinning to the client CPU: give the rest every CPU back.
  else pin(proc.pid!, ALL_CPUS);
  const cpu = () =>
    new Promise<number>((resolve) => {
      proc.once('message', (m) => resolve(Number((m as { cpu: number }).cpu)));
      proc.send('cpu');
    });
  return new Promise((resolve, reject) => {
    proc.once('message', (port) => resolve({ port: Number(port), cpu, kill: () => proc.kill() }));
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

async function registerSession(kratosURL: string): Promise<string> {
  const flow = (await (await fetch(`${kratosURL}/self-service/registration/api`)).json()) as {
    ui: { action: string };
  };
  // ui.action names Kratos's configured base_url; the listener took a free port instead.
  const action = new URL(flow.ui.action);
  const res = await fetch(`${kratosURL}${action.pathname}${action.search}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      method: 'password',
      password: 'a-long-bench-password-91!',
      traits: { email: `bench-${Date.now()}@example.com`, name: { first: 'Bench', last: 'Mark' } },
    }),
  });
  const body = (await res.json()) as { session_token?: string };
  if (!body.session_token)
    throw new Error(`registration failed: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
  return body.session_token;
}

interface Measured {
  rps: number;
  /** CPU µs per request spent in the processes between client and upstream (see Target.path). */
  cpuPerRequest: number;
  /** The least-disturbed round's CPU µs per request: other load only ever adds to it. */
  cpuMin: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function measure(target: Target, seconds: number): Promise<Measured> {
  const before = await Promise.all(target.path.map((p) => p.cpu()));
  const r = await autocannon({
    url: target.url,
    headers: target.headers,
    connections: CONNECTIONS,
    duration: seconds,
  });
  const after = await Promise.all(target.path.map((p) => p.cpu()));
  const cpu = after.reduce((sum, v, i) => sum + v - before[i]!, 0);
  return {
    rps: r.requests.average,
    cpuPerRequest: r.requests.total ? cpu / r.requests.total : 0,
    cpuMin: r.requests.total ? cpu / r.requests.total : 0,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
  };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** The processes a request crosses before the upstream: their CPU time is the cost we compare. */
  path: Child[];
}

/** Interleaved short rounds (order rotated each round), median per target: the machine is shared. */
async function compare(targets: Target[]): Promise<Measured[]> {
  // Warm every contender's JIT first; the microservice pattern needs seconds (three processes).
  for (const t of targets) await measure(t, WARMUP_S);
  const samples: Measured[][] = targets.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (k + round) % targets.length;
      samples[i]!.push(await measure(targets[i]!, DURATION_S));
    }
  }
  return samples.map((runs) => ({
    rps: median(runs.map((r) => r.rps)),
    cpuPerRequest: median(runs.map((r) => r.cpuPerRequest)),
    cpuMin: Math.min(...runs.map((r) => r.cpuPerRequest)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    non2xx: runs.reduce((s, r) => s + r.non2xx, 0),
  }));
}

const PAIR_ROUNDS = Number(process.env.BENCH_PAIR_ROUNDS ?? 5);
const PAIR_SECONDS = Number(process.env.BENCH_PAIR_SECONDS ?? 2);

/**
 * The targets' ratios measured as adjacent pairs in ABBA order (baseline, edge, edge, baseline),
 * PAIR_ROUNDS times: machine load drifts during a run, and a pair measured back to back sees nearly
 * the same machine, so the per-pair ratio is far steadier than a ratio of two medians taken minutes
 * apart. Returns per-pair ratios, each > 1 in the edge's favour (req/s edge/baseline, CPU
 * baseline/edge).
 */
async function pairedRatios(
  baseline: Target,
  edge: Target,
): Promise<{ rps: number[]; cpu: number[] }> {
  const rps: number[] = [];
  const cpu: number[] = [];
  for (let round = 0; round < PAIR_ROUNDS; round++) {
    const a1 = await measure(baseline, PAIR_SECONDS);
    const b1 = await measure(edge, PAIR_SECONDS);
    const b2 = await measure(edge, PAIR_SECONDS);
    const a2 = await measure(baseline, PAIR_SECONDS);
    rps.push((b1.rps + b2.rps) / (a1.rps + a2.rps));
    cpu.push((a1.cpuPerRequest + a2.cpuPerRequest) / (b1.cpuPerRequest + b2.cpuPerRequest));
  }
  return { rps, cpu };
}

async function reportTargets(named: (name: string) => Target): Promise<void> {
  const required = named('edge required, session (cached)');
  const checks: Array<[Target, Target, number]> = [
    [named('bare hop (undici Pool)'), required, 0.9],
    [named('bare hop (undici dispatch)'), required, 0.9],
    [named('bare hop (node:http Agent)'), required, 0.9],
    [named('dispatch hop + issue crypto'), required, 0.9],
    [named('microservice pattern, session'), named('edge optional, session (cached)'), 5],
  ];
  console.log(
    `\ntargets, as ABBA pairs (${PAIR_ROUNDS} × baseline-edge-edge-baseline, ${PAIR_SECONDS}s each); ` +
      'median ratio [min–max] of the pairs:',
  );
  const span = (v: number[]) =>
    `${median(v).toFixed(2)}× [${Math.min(...v).toFixed(2)}–${Math.max(...v).toFixed(2)}]`;
  for (const [baseline, edge, goal] of checks) {
    const { rps, cpu } = await pairedRatios(baseline, edge);
    const met = median(rps) >= goal && median(cpu) >= goal;
    console.log(
      `  ${edge.name} vs ${baseline.name}: req/s ${span(rps)}, CPU/req ${span(cpu)} ` +
        `(target ≥ ${goal}× on both) ${met ? 'met' : 'NOT MET'}`,
    );
  }
}

async function checkIdentity(target: Target, expectUser: boolean): Promise<void> {
  const res = await fetch(target.url, { headers: target.headers });
  const saw = res.headers.get('x-saw-user') ?? '';
  if (res.status !== 200 || (saw !== '') !== expectUser) {
    throw new Error(
      `${target.name}: status ${res.status}, upstream saw user "${saw}" (expected ${expectUser ? 'a user' : 'none'})`,
    );
  }
}

async function main(): Promise<void> {
  pin(process.pid, CLIENT_CPU);
  console.log(
    PIN
      ? `pinned: autocannon and the upstream on CPU ${CLIENT_CPU}, hops and edge on CPU ${PROXY_CPU}, ` +
          'the microservice pattern unpinned'
      : 'not pinned (BENCH_PIN=0, one CPU, or no taskset): expect noisier ratios',
  );
  const upstream = await child('--upstream');
  const kratos = await child('--kratos');
  const upstreamURL = `http://127.0.0.1:${upstream.port}`;
  const kratosURL = `http://127.0.0.1:${kratos.port}`;
  const procs = [upstream, kratos];
  try {
    const token = await registerSession(kratosURL);
    const session = { 'x-session-token': token };
    const started = await Promise.all([
      child('--bare-undici', upstreamURL),
      child('--bare-dispatch', upstreamURL),
      child('--bare-node', upstreamURL),
      child('--bare-dispatch-signed', upstreamURL),
      child('--edge', upstreamURL, kratosURL),
      child('--header-service', kratosURL),
    ]);
    procs.push(...started);
    const [bareUndici, bareDispatch, bareNode, bareSigned, edge, headerService] = started;
    const at = (c: Child) => `http://127.0.0.1:${c.port}`;
    const micro = await child('--micro-proxy', upstreamURL, at(headerService!));
    procs.push(micro);
    const microPath = [micro, headerService!, kratos];
    // Cached sessions never reach Kratos, so its (idle) CPU is not part of the edge's cost; the
    // microservice pattern calls whoami on every request, so Kratos is part of its path.
    const edgePath = [edge!];
    const targets: Target[] = [
      { name: 'upstream direct', url: `${upstreamURL}/optional`, headers: {}, path: [] },
      {
        name: 'bare hop (undici Pool)',
        url: `${at(bareUndici!)}/optional`,
        headers: {},
        path: [bareUndici!],
      },
      {
        name: 'bare hop (undici dispatch)',
        url: `${at(bareDispatch!)}/optional`,
        headers: {},
        path: [bareDispatch!],
      },
      {
        name: 'bare hop (node:http Agent)',
        url: `${at(bareNode!)}/optional`,
        headers: {},
        path: [bareNode!],
      },
      {
        name: 'dispatch hop + issue crypto',
        url: `${at(bareSigned!)}/optional`,
        headers: session,
        path: [bareSigned!],
      },
      { name: 'edge public', url: `${at(edge!)}/public`, headers: session, path: edgePath },
      {
        name: 'edge optional, anonymous',
        url: `${at(edge!)}/optional`,
        headers: {},
        path: edgePath,
      },
      {
        name: 'edge optional, session (cached)',
        url: `${at(edge!)}/optional`,
        headers: session,
        path: edgePath,
      },
      {
        name: 'edge required, session (cached)',
        url: `${at(edge!)}/required`,
        headers: session,
        path: edgePath,
      },
      {
        name: 'edge scoped, access token (cached)',
        url: `${at(edge!)}/scoped`,
        headers: { authorization: `Bearer ${BENCH_ACCESS_TOKEN}` },
        path: edgePath,
      },
      {
        name: 'microservice pattern, session',
        url: `${at(micro)}/optional`,
        headers: session,
        path: microPath,
      },
      {
        name: 'microservice pattern, anonymous',
        url: `${at(micro)}/optional`,
        headers: {},
        path: microPath,
      },
    ];
    const named = (name: string) => targets.find((t) => t.name === name)!;
    await checkIdentity(named('edge optional, session (cached)'), true);
    await checkIdentity(named('edge required, session (cached)'), true);
    await checkIdentity(named('edge scoped, access token (cached)'), true);
    await checkIdentity(named('microservice pattern, session'), true);
    await checkIdentity(named('edge public'), false);
    await checkIdentity(named('dispatch hop + issue crypto'), true);
    const results = await compare(targets);
    report(targets, results);
    await reportTargets(named);
  } finally {
    for (const p of procs) p.kill();
  }
}

function report(targets: Target[], results: Measured[]): void {
  const byName = new Map(targets.map((t, i) => [t.name, results[i]!]));
  const get = (name: string) => byName.get(name)!;
  const hop = get('bare hop (undici Pool)');
  console.log(
    `\ngateway vs baselines (${CONNECTIONS} connections, median of ${ROUNDS} interleaved ${DURATION_S}s rounds, one run)`,
  );
  console.log(
    'scenario'.padEnd(34) +
      '   req/s  p50/p99 ms  ×direct  ×bare-hop  CPU µs/req  ×hop CPU  min µs  ×hop min  errs non2xx',
  );
  for (const [i, t] of targets.entries()) {
    const m = results[i]!;
    console.log(
      [
        t.name.padEnd(34),
        m.rps.toFixed(0).padStart(7),
        `${m.p50}/${m.p99}`.padStart(11),
        (m.rps / get('upstream direct').rps).toFixed(2).padStart(7) + '×',
        (m.rps / hop.rps).toFixed(2).padStart(8) + '×',
        (t.path.length ? m.cpuPerRequest.toFixed(0) : '-').padStart(11),
        (t.path.length ? (m.cpuPerRequest / hop.cpuPerRequest).toFixed(2) + '×' : '-').padStart(9),
        (t.path.length ? m.cpuMin.toFixed(0) : '-').padStart(7),
        (t.path.length ? (m.cpuMin / hop.cpuMin).toFixed(2) + '×' : '-').padStart(9),
        String(m.errors).padStart(5),
        String(m.non2xx).padStart(6),
      ].join(' '),
    );
  }
  const required = get('edge required, session (cached)');
  const optional = get('edge optional, session (cached)');
  const micro = get('microservice pattern, session');
  const line = (label: string, value: number, target: number) =>
    console.log(
      `${label}: ${value.toFixed(2)}× (target ≥ ${target}×) ${value >= target ? 'met' : 'NOT MET'}`,
    );
  console.log('\nthroughput (req/s ratios; sensitive to other load on the machine):');
  const nodeHop = get('bare hop (node:http Agent)');
  const dispatchHop = get('bare hop (undici dispatch)');
  line('  required (cached) / bare hop (undici Pool)', required.rps / hop.rps, 0.9);
  line('  required (cached) / bare hop (undici dispatch)', required.rps / dispatchHop.rps, 0.9);
  line('  required (cached) / bare hop (node:http)', required.rps / nodeHop.rps, 0.9);
  const floor = get('dispatch hop + issue crypto');
  console.log(
    `  (dispatch hop + issue crypto / bare dispatch hop: ${(floor.rps / dispatchHop.rps).toFixed(2)}× req/s, ` +
      `${(dispatchHop.cpuPerRequest / floor.cpuPerRequest).toFixed(2)}× CPU — what the mandated ` +
      'SHA-256 + HMAC + headers alone cost)',
  );
  line('  optional (session) / microservice pattern', optional.rps / micro.rps, 5);
  const token = get('edge scoped, access token (cached)');
  console.log(
    `  required, access token (cached introspection) / required, session (cached): ` +
      `${(token.rps / required.rps).toFixed(2)}× req/s, ` +
      `${(required.cpuPerRequest / token.cpuPerRequest).toFixed(2)}× CPU/req`,
  );
  console.log(
    'CPU per request (inverse ratios, hop cost / edge cost; median round, and the least-disturbed round):',
  );
  line(
    '  required (cached) vs bare hop (undici Pool)',
    hop.cpuPerRequest / required.cpuPerRequest,
    0.9,
  );
  line('  required (cached) vs bare hop (undici Pool), min', hop.cpuMin / required.cpuMin, 0.9);
  line(
    '  required (cached) vs bare hop (undici dispatch)',
    dispatchHop.cpuPerRequest / required.cpuPerRequest,
    0.9,
  );
  line(
    '  required (cached) vs bare hop (node:http)',
    nodeHop.cpuPerRequest / required.cpuPerRequest,
    0.9,
  );
  line(
    '  optional (session) vs microservice pattern',
    micro.cpuPerRequest / optional.cpuPerRequest,
    5,
  );
  console.log(
    `(bare hop node:http vs undici: ${(get('bare hop (node:http Agent)').rps / hop.rps).toFixed(2)}× req/s, ` +
      `${(get('bare hop (node:http Agent)').cpuPerRequest / hop.cpuPerRequest).toFixed(2)}× CPU/req)`,
  );
}

const role = process.argv[2];
const [a, b] = process.argv.slice(3);
const roles: Record<string, () => Promise<number>> = {
  '--upstream': serveUpstream,
  '--kratos': serveKratos,
  '--bare-undici': () => serveBareUndici(a!),
  '--bare-node': () => serveBareNode(a!),
  '--bare-dispatch': () => serveBareDispatch(a!),
  '--bare-dispatch-signed': () => serveBareDispatchSigned(a!),
  '--edge': () => serveEdge(a!, b!),
  '--header-service': () => serveHeaderService(a!),
  '--micro-proxy': () => serveMicroserviceProxy(a!, b!),
};
if (role && roles[role]) {
  process.send!(await roles[role]());
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send!({ cpu: user + system });
  });
} else await main();

// Same-origin proxy overhead: Kratos (a stub serving a recorded flow JSON, as Kratos would with an
// in-cluster base_url) hit directly vs through createOryProxy, side by side in one run, same
// machine, same load. The upstream and the proxy each run in their own process; autocannon drives
// both from this one. Scenarios: the flow JSON (parsed and rewritten by the proxy), a small 401
// whoami (forwarded, nothing to rewrite) and the 303 login init (Location + Set-Cookie rewritten).
import { fork } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const KRATOS_BROWSER_URL = 'https://slug.projects.oryapis:8080';
const RECORDED = fileURLToPath(
  new URL(
    '../../shared/ory/elements/flows/login/1fa/unified/all-methods/initial-form.json',
    import.meta.url,
  ),
);
const DURATION_S = Number(process.env.BENCH_DURATION ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);

function flowBody(): string {
  if (existsSync(RECORDED)) return readFileSync(RECORDED, 'utf8');
  console.log('# notice: recorded flow not present, using a small built-in flow');
  return JSON.stringify({
    id: '00000000-0000-0000-0000-000000000000',
    ui: { action: `${KRATOS_BROWSER_URL}/self-service/login?flow=0`, method: 'POST', nodes: [] },
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function serveUpstream(): Promise<number> {
  const flow = Buffer.from(flowBody());
  const csrf =
    'csrf_token_abc=nAiCb8QyXDlvdm3Kq7fA9xG6U6z0n2cP9WcY0u0aUvE=; Path=/; Domain=slug.projects.oryapis; HttpOnly; SameSite=Lax';
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/self-service/login/flows') {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': flow.length,
      });
      res.end(flow);
      return;
    }
    if (path === '/self-service/login/browser') {
      // As Kratos answers a browser: Go's http.Redirect writes a small HTML body under the 303.
      const location = 'http://localhost:4000/login?flow=00000000-0000-0000-0000-000000000000';
      const html = `<a href="${location}">See Other</a>.\n`;
      res.writeHead(303, {
        location,
        'set-cookie': csrf,
        'content-type': 'text/html; charset=utf-8',
        'content-length': Buffer.byteLength(html),
      });
      res.end(html);
      return;
    }
    const body =
      '{"error":{"code":401,"status":"Unauthorized","message":"No valid session credentials found in the request."}}';
    res.writeHead(401, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
  server.keepAliveTimeout = 30_000;
  return listen(server);
}

async function serveProxy(upstreamURL: string): Promise<number> {
  const { createAdaptorServer } = await import('@hono/node-server');
  const { createOryProxy } = await import('../packages/vestibule/src/proxy/index.ts');
  const { createLogger } = await import('../packages/vestibule/src/lib/logger.ts');
  const proxy = createOryProxy({
    kratosPublicURL: upstreamURL,
    kratosBrowserURLs: [KRATOS_BROWSER_URL + '/'],
    publicOrigin: 'http://localhost:4000',
    logger: createLogger({ level: 'error' }),
  });
  const server = createAdaptorServer({ fetch: (r: Request) => proxy(r) }) as Server;
  server.keepAliveTimeout = 30_000;
  return listen(server);
}

/**
 * The floor for any proxy hop in Node: the same listener (@hono/node-server) and the same client
 * (undici.request on a keep-alive Agent), forwarding status and body and nothing else — no header
 * hygiene, no cookie or URL rewriting, no timeout. The proxy's own cost is the gap to this.
 */
async function serveBareHop(upstreamURL: string): Promise<number> {
  const { createAdaptorServer } = await import('@hono/node-server');
  const { Agent } = await import('undici');
  const agent = new Agent({ keepAliveTimeout: 10_000 });
  const server = createAdaptorServer({
    fetch: async (r: Request) => {
      const url = new URL(r.url);
      const res = await agent.request({
        origin: upstreamURL,
        path: url.pathname.replace('/api/ory', '') + url.search,
        method: 'GET',
      });
      const body = Buffer.from(await res.body.arrayBuffer());
      return new Response(body.length ? body : null, {
        status: res.statusCode,
        headers: { 'content-type': String(res.headers['content-type'] ?? 'text/plain') },
      });
    },
  }) as Server;
  server.keepAliveTimeout = 30_000;
  return listen(server);
}

interface Child {
  port: number;
  /** CPU time (user + system, µs) the child process has used so far. */
  cpu(): Promise<number>;
  kill(): void;
}

/** Starts this file in a child process in the given role; resolves once it listens. */
function child(role: string, arg = ''): Promise<Child> {
  const proc = fork(fileURLToPath(import.meta.url), [role, arg], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting: Array<(cpu: number) => void> = [];
  return new Promise((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
    proc.on('message', (message: { port?: number; cpu?: number }) => {
      if (message.cpu !== undefined) return waiting.shift()?.(message.cpu);
      resolve({
        port: Number(message.port),
        cpu: () => new Promise((r) => (waiting.push(r), proc.send('cpu'))),
        kill: () => proc.kill(),
      });
    });
  });
}

/** In a child: report the listening port, then answer CPU-usage queries. */
function serveAsChild(port: number): void {
  process.send!({ port });
  process.on('message', () => {
    const { user, system } = process.cpuUsage();
    process.send!({ cpu: user + system });
  });
}

interface Measured {
  rps: number;
  p50: number;
  p99: number;
  /** CPU µs the serving process spent per request: robust to the shared machine's load swings. */
  cpuPerRequest: number;
  errors: number;
}

async function measure(url: string, server: Child, seconds: number): Promise<Measured> {
  const before = await server.cpu();
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  const used = (await server.cpu()) - before;
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    cpuPerRequest: used / Math.max(r.requests.total, 1),
    errors: r.errors + r.timeouts,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * The machine is shared, so load drifts during a run: targets are measured in interleaved short
 * rounds (order rotated each round) and each figure is the median over rounds.
 */
async function compare(targets: Array<[string, Child]>): Promise<Measured[]> {
  for (const [url, server] of targets) await measure(url, server, 1); // warm-up: JIT, sockets
  const samples: Measured[][] = targets.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (k + round) % targets.length;
      samples[i]!.push(await measure(targets[i]![0], targets[i]![1], DURATION_S));
    }
  }
  return samples.map((runs) => ({
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpuPerRequest: median(runs.map((r) => r.cpuPerRequest)),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
  }));
}

const SCENARIOS: Array<[string, string]> = [
  [
    'flow JSON (recorded, rewritten)',
    '/self-service/login/flows?id=00000000-0000-0000-0000-000000000000',
  ],
  ['whoami 401 (small, forwarded)', '/sessions/whoami'],
  ['login init 303 (Location + cookie)', '/self-service/login/browser'],
];

async function checkRewrites(proxyURL: string): Promise<void> {
  const flow = (await (await fetch(proxyURL + SCENARIOS[0]![1])).json()) as {
    ui: { action: string };
  };
  if (!flow.ui.action.startsWith('http://localhost:4000/api/ory/')) {
    throw new Error(`proxy did not rewrite ui.action: ${flow.ui.action}`);
  }
}

function row(name: string, [direct, hop, proxied]: Measured[]): string {
  const cpu = (m: Measured) => m.cpuPerRequest.toFixed(0);
  return [
    name.padEnd(36),
    direct!.rps.toFixed(0).padStart(7),
    hop!.rps.toFixed(0).padStart(7),
    proxied!.rps.toFixed(0).padStart(7),
    ratio(proxied!.rps, direct!.rps).padStart(9),
    ratio(proxied!.rps, hop!.rps).padStart(9),
    `${direct!.p50}/${direct!.p99}`.padStart(9),
    `${hop!.p50}/${hop!.p99}`.padStart(9),
    `${proxied!.p50}/${proxied!.p99}`.padStart(9),
    `${cpu(direct!)}/${cpu(hop!)}/${cpu(proxied!)}`.padStart(14),
    ratio(hop!.cpuPerRequest, proxied!.cpuPerRequest).padStart(8),
    String(direct!.errors + hop!.errors + proxied!.errors).padStart(5),
  ].join(' ');
}

async function main(): Promise<void> {
  const upstream = await child('--serve-upstream');
  const upstreamURL = `http://127.0.0.1:${upstream.port}`;
  const proxy = await child('--serve-proxy', upstreamURL);
  const bare = await child('--serve-bare-hop', upstreamURL);
  const proxyURL = `http://127.0.0.1:${proxy.port}/api/ory`;
  const bareURL = `http://127.0.0.1:${bare.port}/api/ory`;
  const rows: string[] = [];
  try {
    await checkRewrites(proxyURL);
    for (const [name, path] of SCENARIOS) {
      const measured = await compare([
        [upstreamURL + path, upstream],
        [bareURL + path, bare],
        [proxyURL + path, proxy],
      ]);
      rows.push(row(name, measured));
    }
  } finally {
    upstream.kill();
    proxy.kill();
    bare.kill();
  }
  console.log(
    `\nsame-origin proxy vs Kratos stub directly (${CONNECTIONS} connections, ` +
      `median of ${ROUNDS} interleaved ${DURATION_S}s rounds, one run)`,
  );
  console.log(
    'scenario'.padEnd(36) +
      '  direct     hop   proxy proxy/dir proxy/hop direct ms    hop ms  proxy ms  cpu µs d/h/p hop/prx  errs',
  );
  for (const line of rows) console.log(line);
  console.log(
    '(requests/s; latency p50/p99 ms; hop = a bare Node proxy hop: same listener and client, no hygiene;\n' +
      ' cpu µs = CPU time per request of the serving process (upstream / hop / proxy); hop/prx = the\n' +
      " proxy's CPU efficiency relative to the bare hop, independent of the machine's load)",
  );
}

function ratio(a: number, b: number): string {
  return (a / b).toFixed(2) + '×';
}

const role = process.argv[2];
if (role === '--serve-upstream') {
  serveAsChild(await serveUpstream());
} else if (role === '--serve-bare-hop') {
  serveAsChild(await serveBareHop(process.argv[3]!));
} else if (role === '--serve-proxy') {
  serveAsChild(await serveProxy(process.argv[3]!));
} else {
  await main();
}

// Embedded identity server vs a bare Node HTTP endpoint, side by side in one run on one machine:
//  1. whoami throughput (X-Session-Token of a live session) vs a bare endpoint answering the same
//     session JSON from memory;
//  2. a full register + login round (API flows: init registration, submit, init login, submit) vs
//     the same four requests against a bare endpoint with canned answers — at bcrypt cost 12 (the
//     Kratos default) and at cost 4 (to show the server's own overhead without the hash).
// Servers run in child processes; autocannon drives them from this one. Rounds alternate between
// subject and baseline so load from other processes on the machine hits both alike. Next to the
// throughput it prints the serving process's CPU time per request (user+system, read from the child
// before and after each run): unlike req/s that does not drop when others load the shared machine.
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

interface Served {
  url: string;
  token?: string;
}

interface Child {
  served: Served;
  proc: ChildProcess;
  /** The child's CPU time so far (µs, user + system). */
  cpu(): Promise<number>;
}

interface Measured {
  perSecond: number;
  /** CPU µs of the serving process per request (whoami) or per round (register+login). */
  cpuPerUnit: number;
}

// ---- child process roles -------------------------------------------------------------------

async function serveIdentity(cost: number): Promise<Served> {
  const { createIdentityServer } = await import('../packages/identity-server/src/server.ts');
  const { defaultConfig } = await import('../packages/identity-server/src/config/index.ts');
  const config = defaultConfig({
    serve: { public: { port: 0 }, admin: { port: 0 } },
    hashers: { bcrypt: { cost } },
    // Only registration and login are measured: no verification mails queued for the courier.
    selfservice: { flows: { verification: { enabled: false } } },
  });
  const server = await createIdentityServer({ config, log: () => {} });
  const { publicURL } = await server.listen();
  const flow = (await (await fetch(`${publicURL}/self-service/registration/api`)).json()) as {
    ui: { action: string };
  };
  const action = new URL(flow.ui.action);
  const res = await fetch(`${publicURL}${action.pathname}${action.search}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      method: 'password',
      traits: { email: 'bench@example.com' },
      password: 'benchmark passphrase',
    }),
  });
  const { session_token: token } = (await res.json()) as { session_token: string };
  return { url: publicURL, token };
}

async function serveBare(): Promise<Served> {
  let session = '';
  const flow = (id: number) =>
    JSON.stringify({
      id: String(id),
      type: 'api',
      ui: { action: `/submit?flow=${id}`, method: 'POST', nodes: [] },
    });
  let n = 0;
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const send = (status: number, body: string) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    };
    if (req.method === 'POST') {
      req.resume();
      req.on('end', () => send(200, session));
      return;
    }
    if (path === '/sessions/whoami') return send(200, session);
    send(200, flow(++n));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The same session JSON a real whoami answers, so both sides send comparable bytes.
  const real = await serveIdentityJSONShape();
  session = real;
  return { url, token: 'bare' };
}

async function serveIdentityJSONShape(): Promise<string> {
  return JSON.stringify({
    id: '3b8e1c1e-8e0a-4c55-9b2a-6a7d0c2f9e11',
    active: true,
    expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    authenticated_at: new Date().toISOString(),
    authenticator_assurance_level: 'aal1',
    authentication_methods: [
      { method: 'password', aal: 'aal1', completed_at: new Date().toISOString() },
    ],
    issued_at: new Date().toISOString(),
    identity: {
      id: '0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9',
      schema_id: 'default',
      schema_url: 'http://localhost:4433/schemas/ZGVmYXVsdA',
      state: 'active',
      traits: { email: 'bench@example.com' },
      verifiable_addresses: [],
      recovery_addresses: [],
      metadata_public: null,
      created_at: new Date().toISOString(),
      updated_at: new Date().toISOString(),
    },
    devices: [
      { id: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d', user_agent: 'autocannon', location: '' },
    ],
  });
}

// ---- the driver ----------------------------------------------------------------------------

async function start(role: string, arg = ''): Promise<Child> {
  const proc = fork(fileURLToPath(import.meta.url), [role, arg], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const served = await new Promise<Served>((resolve, reject) => {
    proc.once('message', (m) => resolve(m as Served));
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
  const cpu = () =>
    new Promise<number>((resolve) => {
      proc.once('message', (m) => resolve(Number((m as { cpu: number }).cpu)));
      proc.send('cpu');
    });
  return { served, proc, cpu };
}

/** Runs `load` against `target`, returning its rate and the target's CPU per unit of work. */
async function measured(
  target: Child,
  load: () => Promise<{ perSecond: number; units: number }>,
): Promise<Measured> {
  const before = await target.cpu();
  const { perSecond, units } = await load();
  const cpu = (await target.cpu()) - before;
  return { perSecond, cpuPerUnit: units ? cpu / units : 0 };
}

async function whoami(
  target: Served,
  seconds = DURATION_S,
): Promise<{ perSecond: number; units: number }> {
  const r = await autocannon({
    url: `${target.url}/sessions/whoami`,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { 'x-session-token': target.token! },
  });
  if (r.non2xx > 0) throw new Error(`whoami answered ${r.non2xx} non-2xx responses`);
  return { perSecond: r.requests.average, units: r.requests.total };
}

let emailCounter = 0;

/** Four dependent requests per round; returns completed rounds per second. */
async function rounds(
  target: Served,
  seconds = DURATION_S,
): Promise<{ perSecond: number; units: number }> {
  const run = String(Date.now());
  const r = await autocannon({
    url: target.url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      { method: 'GET', path: '/self-service/registration/api', onResponse: captureAction },
      {
        method: 'POST',
        setupRequest: (req, context) => {
          const ctx = context as Record<string, unknown>;
          emailCounter += 1;
          ctx.email = `bench-${run}-${emailCounter}@example.com`;
          return jsonPost(req, ctx, {
            method: 'password',
            traits: { email: ctx.email },
            password: 'benchmark passphrase',
          });
        },
      },
      { method: 'GET', path: '/self-service/login/api', onResponse: captureAction },
      {
        method: 'POST',
        setupRequest: (req, context) => {
          const ctx = context as Record<string, unknown>;
          return jsonPost(req, ctx, {
            method: 'password',
            identifier: ctx.email,
            password: 'benchmark passphrase',
          });
        },
      },
    ],
  });
  if (r.non2xx > 0) throw new Error(`register+login answered ${r.non2xx} non-2xx responses`);
  return { perSecond: r.requests.average / 4, units: r.requests.total / 4 };
}

/** Keeps the path+query of the flow's ui.action (the base URL may name another host). */
function captureAction(status: number, body: string, context: object): void {
  if (status !== 200) return;
  const action = new URL((JSON.parse(body) as { ui: { action: string } }).ui.action, 'http://x');
  (context as Record<string, unknown>).action = action.pathname + action.search;
}

function jsonPost(
  req: autocannon.Request,
  context: Record<string, unknown>,
  body: unknown,
): autocannon.Request {
  return {
    ...req,
    path: String(context.action),
    headers: { ...req.headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  };
}

function ratio(a: number, b: number): string {
  return `${(a / b).toFixed(3)}×`;
}

async function main(): Promise<void> {
  const children: Child[] = [];
  const launch = async (role: string, arg?: string) => {
    const started = await start(role, arg);
    children.push(started);
    return started;
  };
  try {
    await measure(
      await launch('bare'),
      await launch('identity', '12'),
      await launch('identity', '4'),
    );
  } finally {
    for (const child of children) child.proc.kill();
  }
}

async function measure(bare: Child, cost12: Child, cost4: Child): Promise<void> {
  const results = {
    whoami: [[], []] as Measured[][],
    r12: [[], []] as Measured[][],
    r4: [[], []] as Measured[][],
  };
  // Warm-up (JIT, PGlite page cache) is not measured.
  for (const target of [cost4.served, bare.served]) await whoami(target, 1);
  for (const target of [cost4.served, cost12.served, bare.served]) await rounds(target, 1);
  {
    for (let round = 0; round < ROUNDS; round++) {
      results.whoami[0]!.push(await measured(cost4, () => whoami(cost4.served)));
      results.whoami[1]!.push(await measured(bare, () => whoami(bare.served)));
      results.r12[0]!.push(await measured(cost12, () => rounds(cost12.served)));
      results.r12[1]!.push(await measured(bare, () => rounds(bare.served)));
      results.r4[0]!.push(await measured(cost4, () => rounds(cost4.served)));
      results.r4[1]!.push(await measured(bare, () => rounds(bare.served)));
    }
  }
  const mean = (xs: Measured[], key: keyof Measured) =>
    xs.reduce((a, b) => a + b[key], 0) / xs.length;
  const rows: Array<[string, Measured[], Measured[]]> = [
    ['whoami (req/s, CPU µs/req)', results.whoami[0]!, results.whoami[1]!],
    ['register+login, bcrypt 12 (rounds/s)', results.r12[0]!, results.r12[1]!],
    ['register+login, bcrypt 4 (rounds/s)', results.r4[0]!, results.r4[1]!],
  ];
  console.log(
    `\nidentity server vs bare Node http (${CONNECTIONS} connections, ${ROUNDS}×${DURATION_S}s interleaved, PGlite in memory)`,
  );
  console.log(
    `${'scenario'.padEnd(40)}${'identity'.padStart(10)}${'bare node'.padStart(11)}${'ratio'.padStart(9)}` +
      `${'CPU µs'.padStart(10)}${'bare CPU'.padStart(10)}${'CPU ratio'.padStart(11)}`,
  );
  for (const [name, subject, baseline] of rows) {
    const [rate, baseRate] = [mean(subject, 'perSecond'), mean(baseline, 'perSecond')];
    const [cpu, baseCpu] = [mean(subject, 'cpuPerUnit'), mean(baseline, 'cpuPerUnit')];
    console.log(
      `${name.padEnd(40)}${rate.toFixed(1).padStart(10)}${baseRate.toFixed(1).padStart(11)}${ratio(rate, baseRate).padStart(9)}` +
        `${cpu.toFixed(0).padStart(10)}${baseCpu.toFixed(0).padStart(10)}${ratio(baseCpu, cpu).padStart(11)}`,
    );
  }
  console.log(
    '(CPU ratio = bare CPU per unit / identity CPU per unit: the load-independent figure; µs are\n' +
      ' per request for whoami and per four-request round for register+login)',
  );
}

const role = process.argv[2];
// A server child ends with its driver, even when the driver crashed, and reports its CPU time.
if (role) {
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m) => {
    if (m !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    process.send!({ cpu: user + system });
  });
}
if (role === 'bare') process.send!(await serveBare());
else if (role === 'identity') process.send!(await serveIdentity(Number(process.argv[3])));
else await main();

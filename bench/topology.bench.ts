// The edge on the production topology (issue 15): `vestibule serve` alone in its own process with the
// default configuration (logging ON at the default `info` level, one access line per request, to a
// file), a tiny separate Node upstream that answers in microseconds, the embedded identity server in
// a process of its own, nothing pinned, 16 connections. Baseline: a bare `node:http` keep-alive proxy
// hop to the same upstream. Scenarios, measured in interleaved rounds (order rotated each round),
// median per scenario, all in one run:
//   bare hop (node:http)          the baseline
//   edge public                   a `public` rule
//   edge required (cached)        a `required` rule with a cached session (X-Session-Token)
//   edge required, rate-limited   the same rule with a rate limit it never reaches
//   whoami direct                 GET /sessions/whoami on the identity server
//   whoami through the edge       GET /api/ory/sessions/whoami (the same-origin proxy)
// CPU µs per request is read from /proc for every process between the client and the upstream.
// Other processes on a shared machine disturb absolute req/s; the interleaved ratios much less.
// The targets are then judged on adjacent pairs: many short back-to-back rounds, baseline and subject
// in alternating order (AB BA AB …), one ratio per pair, the median and its spread reported.
// What logging costs is measured inside ONE edge process: its level is switched between info and
// error with SIGUSR2 (`vestibule serve`'s run-time switch) between the rounds of each pair — two
// edge processes differed by more than the logging does. BENCH_LOG_PAIRS (default 48) pairs;
// BENCH_LOG_RATE=<req/s> adds the same switch at a fixed request rate, where the edge's CPU per
// request is compared with the same batching on both sides. BENCH_PROFILE_LOG_LEVEL=error profiles
// without the access lines.
// `BENCH_PIN=1` repeats the table with the load generator and upstream on CPU 0 and the hop/edge on
// CPU 1 (Linux `taskset`).
// `BENCH_COMPARE_BIN=<another checkout>/packages/cli/bin/vestibule.js` adds a third edge from that
// build (same config, info logging) to the same interleaved rounds and ABBA pairs: before/after
// figures of a change taken on the same machine at the same time, not in two runs minutes apart.
// BENCH_COMPARE_NODE_ARGS gives that edge node flags (e.g. a V8 setting against the default; the
// same bin for both then compares the setting alone).
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  copyFileSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request as httpRequest, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 2);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SECRET = 'bench-header-secret-0123456789abcdef';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLK_TCK = 100;

async function listen(server: Server): Promise<number> {
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** The app: answers at once, tells whether it saw an identity. */
async function serveUpstream(): Promise<number> {
  const body = Buffer.from('{"ok":true}');
  return listen(
    createServer((req, res) => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': body.length,
        'x-saw-user': req.headers['x-user-id'] ? '1' : '0',
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
  return Number(new URL(listening.publicURL).port);
}

/** The baseline: node:http server + keep-alive Agent, piping both ways, no hygiene at all. */
async function serveBareHop(upstreamURL: string): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 128 });
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

interface Proc {
  name: string;
  pid: number;
  port: number;
  kill(): void;
}

/**
 * CPU time (µs) a process has used so far, from /proc (any process, not only our forks): the sum of
 * its threads' run time in nanoseconds (`schedstat`), else utime + stime in clock ticks. Ticks are
 * 10 ms: over a 1 s round of ~0.6 s CPU that alone blurred a per-request figure by ±2 %, as much as
 * the logging it had to show.
 */
function cpuMicros(pid: number): number {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended between the listing and the read.
      }
    }
    if (ns > 0) return ns / 1000;
  } catch {
    // No per-thread scheduler statistics here: clock ticks below.
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime: fields 14 and 15 of the whole line, 12 and 13 after the command name.
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
}

function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

function forkRole(role: string, ...args: string[]): Promise<Proc> {
  const proc = fork(fileURLToPath(import.meta.url), [role, ...args], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (port) =>
      resolve({ name: role, pid: proc.pid!, port: Number(port), kill: () => proc.kill() }),
    );
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

/**
 * `vestibule serve --config …` from the built package (the bin a deployment runs, plain `node`, no
 * TypeScript loader), its log lines appended to `logFile`.
 */
async function startServe(
  name: string,
  config: string,
  logFile: string,
  env: Record<string, string | undefined>,
  nodeArgs: string[] = [],
  bin = join(ROOT, 'packages/cli/bin/vestibule.js'),
): Promise<Proc & { stopped: Promise<void> }> {
  const proc: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, bin, 'serve', '--config', config],
    { stdio: ['ignore', 'pipe', openSync(logFile, 'a')], env: { ...env, NODE_OPTIONS: '' } },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    proc.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ready at http:\/\/[^:]+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${out}`)));
  });
  const stopped = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return { name, pid: proc.pid!, port, kill: () => proc.kill('SIGINT'), stopped };
}

async function registerSession(kratosURL: string): Promise<string> {
  const flow = (await (await fetch(`${kratosURL}/self-service/registration/api`)).json()) as {
    ui: { action: string };
  };
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
  if (!body.session_token) throw new Error(`registration failed: ${res.status}`);
  return body.session_token;
}

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
  /** Processes between client and upstream: their CPU time is the request's cost. */
  path: Proc[];
}

interface Measured {
  rps: number;
  cpu: number;
  p99: number;
  errors: number;
}

async function measure(target: Target, seconds: number, rate?: number): Promise<Measured> {
  const before = target.path.map((p) => cpuMicros(p.pid));
  const r = await autocannon({
    url: target.url,
    headers: target.headers,
    connections: CONNECTIONS,
    duration: seconds,
    ...(rate ? { overallRate: rate } : {}),
  });
  const cpu = target.path.reduce((sum, p, i) => sum + cpuMicros(p.pid) - before[i]!, 0);
  return {
    // Completed requests over the time they took: autocannon's per-second average rests on one or
    // two samples in a short round (a part-second one among them) and swung the short pairs wildly.
    rps: r.requests.total / ((r.finish.getTime() - r.start.getTime()) / 1000),
    cpu: r.requests.total ? cpu / r.requests.total : 0,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
  };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

async function compare(targets: Target[]): Promise<Map<string, Measured>> {
  for (const t of targets) await measure(t, WARMUP_S);
  const samples: Measured[][] = targets.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (k + round) % targets.length;
      samples[i]!.push(await measure(targets[i]!, DURATION_S));
    }
  }
  return new Map(
    targets.map((t, i) => {
      const runs = samples[i]!;
      return [
        t.name,
        {
          rps: median(runs.map((r) => r.rps)),
          cpu: median(runs.map((r) => r.cpu)),
          p99: median(runs.map((r) => r.p99)),
          errors: runs.reduce((s, r) => s + r.errors, 0),
        },
      ];
    }),
  );
}

const PAIRS = Number(process.env.BENCH_PAIRS ?? 16);
const PAIR_SECONDS = Number(process.env.BENCH_PAIR_SECONDS ?? 1);
// The logging pair measures a difference of a few per cent against rounds that swing ±15 % on a
// shared machine: its median needs more pairs than the others to say which side of 5 % it is on.
const LOG_PAIRS = Number(process.env.BENCH_LOG_PAIRS ?? 48);

interface Paired {
  /** Per pair: req/s subject/baseline, and CPU per request baseline/subject (> 1: the subject's favour). */
  rps: number[];
  cpu: number[];
  /** Per pair: CPU µs per request, subject − baseline. */
  cpuDelta: number[];
}

/**
 * Ratios from PAIRS adjacent pairs of PAIR_SECONDS rounds, the order alternating (AB, BA, AB, …) so
 * neither side always runs second; the first pair only warms both up and is not counted. On a shared
 * machine the load drifts within seconds, and two rounds back to back see nearly the same machine: the
 * median of per-pair ratios is far steadier than a ratio of medians. `prepare` runs before each round
 * (the logging pair switches the edge's log level there).
 */
async function paired(
  baseline: Target,
  subject: Target,
  prepare: (side: 'baseline' | 'subject') => Promise<void> = async () => {},
  rate?: number,
  pairs = PAIRS,
): Promise<Paired> {
  const out: Paired = { rps: [], cpu: [], cpuDelta: [] };
  for (let pair = 0; pair <= pairs; pair++) {
    const order =
      pair % 2 === 0 ? (['baseline', 'subject'] as const) : (['subject', 'baseline'] as const);
    const got: Partial<Record<'baseline' | 'subject', Measured>> = {};
    for (const side of order) {
      await prepare(side);
      got[side] = await measure(side === 'baseline' ? baseline : subject, PAIR_SECONDS, rate);
    }
    const a = got.baseline!;
    const b = got.subject!;
    if (process.env.BENCH_VERBOSE === '1') {
      const show = (m: Measured) => `${m.rps.toFixed(0)} req/s ${m.cpu.toFixed(1)} µs`;
      console.log(`    pair ${pair} (${order.join(' then ')}): ${show(a)} | ${show(b)}`);
    }
    if (pair === 0) continue;
    out.rps.push(b.rps / a.rps);
    out.cpu.push(a.cpu / b.cpu);
    out.cpuDelta.push(b.cpu - a.cpu);
  }
  return out;
}

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
};

/** `median× [q1–q3] (min–max)`: the spread of per-pair ratios, not just their middle. */
const spread = (v: number[], unit = '×', digits = 2) =>
  `${median(v).toFixed(digits)}${unit} [${quantile(v, 0.25).toFixed(digits)}–${quantile(v, 0.75).toFixed(digits)}] ` +
  `(${Math.min(...v).toFixed(digits)}–${Math.max(...v).toFixed(digits)})`;

async function reportPairs(
  named: (name: string) => Target | undefined,
  logLevels?: LogLevelSwitch,
): Promise<void> {
  const checks: Array<[string, string, string, number]> = [
    ['required (cached) vs bare hop', 'bare hop (node:http)', 'edge required (cached)', 0.9],
    ['public vs bare hop', 'bare hop (node:http)', 'edge public', 1.0],
    [
      'rate-limited vs the same rule without',
      'edge required (cached)',
      'edge required, rate-limited',
      0.85,
    ],
    ['proxy whoami vs direct', 'whoami direct', 'whoami through the edge', 0.9],
    // Present only with BENCH_COMPARE_BIN: this build against the other one (no target).
    ['public: this build vs the compared build', 'edge public (compared build)', 'edge public', 0],
    [
      'required (cached): this build vs the compared build',
      'edge required (cached, compared build)',
      'edge required (cached)',
      0,
    ],
  ];
  console.log(
    `\nAdjacent pairs (${PAIRS} pairs of ${PAIR_SECONDS}s rounds, order alternating, a warm-up pair ` +
      'not counted); per-pair ratio median [q1–q3] (min–max):',
  );
  for (const [label, baseName, subjectName, goal] of checks) {
    const base = named(baseName);
    const subject = named(subjectName);
    if (!base || !subject) continue;
    const { rps, cpu } = await paired(base, subject);
    // "with margin": three pairs in four at or above the target, not only the middle one.
    const met = median(rps) >= goal ? (quantile(rps, 0.25) >= goal ? 'met, q1 too' : 'met') : '';
    const verdict = goal ? ` (target ≥ ${goal}× req/s) ${met || 'NOT MET'}` : '';
    console.log(`  ${label}: req/s ${spread(rps)}, CPU/req ${spread(cpu)}${verdict}`);
  }
  const required = named('edge required (cached)');
  if (!logLevels || !required) return;
  // The same edge, the same route: info level (the default, one access line per request) against
  // error level (no access line), switched between the two rounds of each pair.
  const logPairs = async (rate?: number, pairs?: number) => {
    const out = await paired(
      required,
      required,
      (side) => logLevels.set(side === 'baseline' ? 'error' : 'info'),
      rate,
      pairs,
    );
    await logLevels.set('info');
    return out;
  };
  const { rps, cpuDelta } = await logPairs(undefined, LOG_PAIRS);
  if (process.env.BENCH_LOG_RATE) {
    const rate = Number(process.env.BENCH_LOG_RATE);
    const fixed = await logPairs(rate);
    console.log(
      `  logging at a fixed ${rate} req/s: edge CPU ${spread(fixed.cpuDelta, ' µs/req', 2)} more at info; ` +
        `CPU ratio error/info ${spread(fixed.cpu)}`,
    );
  }
  const cost = rps.map((r) => (1 - r) * 100);
  console.log(
    `  logging cost (${LOG_PAIRS} pairs), one edge process switched info ⇄ error (SIGUSR2): req/s ${spread(cost, ' %', 1)}, ` +
      `CPU ${spread(cpuDelta, ' µs/req', 1)} (target ≤ 5 %) ` +
      (median(cost) <= 5 ? (quantile(cost, 0.75) <= 5 ? 'met, q3 too' : 'met') : 'NOT MET'),
  );
}

type LogLevelName = 'debug' | 'info' | 'warn' | 'error';

interface LogLevelSwitch {
  set(level: LogLevelName): Promise<void>;
}

/**
 * Steps a `vestibule serve` edge's log level with SIGUSR2 until it is `level`, each step confirmed
 * by the `log level changed` line the edge writes to its log (read from where it was last read).
 */
function logLevelSwitch(edge: Proc, logFile: string, start: LogLevelName): LogLevelSwitch {
  let level = start;
  let offset = statSync(logFile).size;
  let pending = '';
  const nextChange = async (): Promise<LogLevelName> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const size = statSync(logFile).size;
      if (size > offset) {
        const fd = openSync(logFile, 'r');
        const chunk = Buffer.alloc(size - offset);
        readSync(fd, chunk, 0, chunk.length, offset);
        closeSync(fd);
        offset = size;
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop()!;
        const change = lines.find((l) => l.includes('"msg":"log level changed"'));
        if (change) {
          pending = '';
          return (JSON.parse(change) as { to: LogLevelName }).to;
        }
      }
      if (Date.now() > deadline) throw new Error('the edge did not confirm a log level change');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return {
    async set(want) {
      for (let step = 0; level !== want; step++) {
        if (step === 4) throw new Error(`could not reach log level ${want}`);
        process.kill(edge.pid, 'SIGUSR2');
        level = await nextChange();
      }
    },
  };
}

function report(title: string, results: Map<string, Measured>, baselineOf: (n: string) => string) {
  console.log(`\n${title}`);
  console.log(
    '| scenario | req/s | CPU µs/req | p99 ms | vs | req/s ratio | CPU ratio (base/edge) | errors |',
  );
  console.log('| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: |');
  for (const [name, m] of results) {
    const baseName = baselineOf(name);
    const base = results.get(baseName) ?? m;
    const same = baseName === name || !results.has(baseName);
    console.log(
      `| ${name} | ${m.rps.toFixed(0)} | ${m.cpu.toFixed(0)} | ${m.p99} | ${same ? '—' : baseName} | ` +
        `${same ? '—' : (m.rps / base.rps).toFixed(2) + '×'} | ${same ? '—' : (base.cpu / m.cpu).toFixed(2) + '×'} | ${m.errors} |`,
    );
  }
  const check = (label: string, edge: string, base: string, goal: number) => {
    const e = results.get(edge);
    const b = results.get(base);
    if (!e || !b) return;
    const rps = e.rps / b.rps;
    console.log(
      `  ${label}: req/s ${rps.toFixed(2)}×, CPU/req ${(b.cpu / e.cpu).toFixed(2)}× ` +
        `(target ≥ ${goal}×) ${rps >= goal ? 'met' : 'NOT MET'}`,
    );
  };
  check('required (cached) vs bare hop', 'edge required (cached)', 'bare hop (node:http)', 0.9);
  check('public vs bare hop', 'edge public', 'bare hop (node:http)', 1.0);
  check('proxy whoami vs direct', 'whoami through the edge', 'whoami direct', 0.9);
}

function pin(pid: number, cpus: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
}

async function main(): Promise<void> {
  // The edge runs from dist/: bring it up to date with the sources first (incremental).
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-bench-'));
  const procs: Proc[] = [];
  try {
    const upstream = await forkRole('--upstream');
    const kratos = await forkRole('--kratos');
    procs.push(upstream, kratos);
    const upstreamURL = `http://127.0.0.1:${upstream.port}`;
    const kratosURL = `http://127.0.0.1:${kratos.port}`;
    const hop = await forkRole('--bare-hop', upstreamURL);
    procs.push(hop);
    const config = join(dir, 'vestibule.yml');
    writeFileSync(
      config,
      [
        'server: { host: 127.0.0.1, port: 0, public_url: "http://127.0.0.1:4000" }',
        `kratos: { public_url: "${kratosURL}" }`,
        'gateway:',
        `  upstream_url: "${upstreamURL}"`,
        `  header_secret: "${SECRET}"`,
        '  rules:',
        '    - { id: public, path: /public, mode: public }',
        '    - { id: required, path: /required, mode: required }',
        // The same rule with a rate limit it never reaches: what counting costs (target ≥ 0.85×).
        '    - id: limited',
        '      path: /limited',
        '      mode: required',
        '      rate_limit: { per_identity: 100000000/1m, per_anonymous_address: 100000000/1m }',
        '',
      ].join('\n'),
    );
    const env = { ...process.env };
    delete env.VESTIBULE_LOG_LEVEL;
    const logFile = join(dir, 'edge.log');
    const edge = await startServe('edge', config, logFile, env);
    procs.push(edge);
    const compareBin = process.env.BENCH_COMPARE_BIN;
    const compared = compareBin
      ? await startServe(
          'edge (compared build)',
          config,
          join(dir, 'compared.log'),
          env,
          process.env.BENCH_COMPARE_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
          compareBin,
        )
      : undefined;
    if (compared) procs.push(compared);
    const token = await registerSession(kratosURL);
    const session = { 'x-session-token': token };
    const at = (p: Proc) => `http://127.0.0.1:${p.port}`;
    const targets: Target[] = [
      { name: 'bare hop (node:http)', url: `${at(hop)}/public`, headers: {}, path: [hop] },
      { name: 'edge public', url: `${at(edge)}/public`, headers: {}, path: [edge] },
      {
        name: 'edge required (cached)',
        url: `${at(edge)}/required`,
        headers: session,
        path: [edge],
      },
      {
        name: 'edge required, rate-limited',
        url: `${at(edge)}/limited`,
        headers: session,
        path: [edge],
      },
      {
        name: 'whoami direct',
        url: `${kratosURL}/sessions/whoami`,
        headers: session,
        path: [kratos],
      },
      {
        name: 'whoami through the edge',
        url: `${at(edge)}/api/ory/sessions/whoami`,
        headers: session,
        path: [edge, kratos],
      },
    ];
    if (compared) {
      targets.push(
        {
          name: 'edge public (compared build)',
          url: `${at(compared)}/public`,
          headers: {},
          path: [compared],
        },
        {
          name: 'edge required (cached, compared build)',
          url: `${at(compared)}/required`,
          headers: session,
          path: [compared],
        },
      );
    }
    // BENCH_ONLY=required: only the scenarios whose name contains one of the words (iterating).
    const only = process.env.BENCH_ONLY?.split(',');
    if (process.env.BENCH_PROFILE === '1') {
      const scenarios = [
        { name: 'required (cached)', path: '/required', headers: session },
        { name: 'public', path: '/public', headers: {} },
        { name: 'proxy whoami', path: '/api/ory/sessions/whoami', headers: session },
      ];
      await profile(
        config,
        dir,
        // BENCH_PROFILE_LOG_LEVEL=error: the same profile without the access lines.
        process.env.BENCH_PROFILE_LOG_LEVEL
          ? { ...env, VESTIBULE_LOG_LEVEL: process.env.BENCH_PROFILE_LOG_LEVEL }
          : env,
        scenarios.filter((s) => !only || only.some((w) => s.name.includes(w))),
      );
      return;
    }
    if (only)
      targets.splice(
        0,
        targets.length,
        ...targets.filter((t) => only.some((w) => t.name.includes(w))),
      );
    for (const t of targets) {
      const res = await fetch(t.url, { headers: t.headers });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${t.name}: status ${res.status}`);
    }
    const required = await fetch(`${at(edge)}/required`, { headers: session });
    if (required.headers.get('x-saw-user') !== '1') throw new Error('upstream saw no identity');
    const baselineOf = (name: string) =>
      name.endsWith('compared build)')
        ? name.startsWith('edge public')
          ? 'edge public'
          : 'edge required (cached)'
        : name.startsWith('whoami')
          ? 'whoami direct'
          : name === 'edge required (cached)'
            ? 'bare hop (node:http)'
            : name === 'edge required, rate-limited'
              ? 'edge required (cached)'
              : 'bare hop (node:http)';
    // The figures mean little without the machine's state: print it at the start and the end.
    const load = () =>
      loadavg()
        .map((l) => l.toFixed(1))
        .join(' ');
    console.log(`\nload average ${load()} on ${cpus().length} CPUs, Node ${process.version}`);
    const logBefore = statSync(logFile).size;
    const results = await compare(targets);
    report(
      `production topology, unpinned (${CONNECTIONS} connections, median of ${ROUNDS} interleaved ` +
        `${DURATION_S}s rounds; edge = \`vestibule serve\`, default config, log level info)`,
      results,
      baselineOf,
    );
    await reportPairs(
      (name) => targets.find((t) => t.name === name),
      logLevelSwitch(edge, logFile, 'info'),
    );
    console.log(
      `  access log written during the run: ${((statSync(logFile).size - logBefore) / 1e6).toFixed(1)} MB; ` +
        `edge RSS ${rssMB(edge.pid).toFixed(0)} MB; load average at the end ${load()}`,
    );
    if (process.env.BENCH_PIN === '1') {
      pin(process.pid, '0');
      pin(upstream.pid, '0');
      for (const p of [hop, edge]) pin(p.pid, '1');
      const pinned = await compare(targets);
      report(
        'the same, pinned (client + upstream on CPU 0, hop/edge on CPU 1)',
        pinned,
        baselineOf,
      );
    }
  } finally {
    for (const p of procs) p.kill();
  }
}

/**
 * `BENCH_PROFILE=1`: each scenario on a fresh edge run with `--cpu-prof`, loaded for
 * BENCH_PROFILE_SECONDS; prints the functions with the most self time (the README's "top costs").
 * BENCH_PROFILE_KEEP=<dir> keeps each raw .cpuprofile there.
 */
async function profile(
  config: string,
  dir: string,
  env: Record<string, string | undefined>,
  scenarios: Array<{ name: string; path: string; headers: Record<string, string> }>,
): Promise<void> {
  const seconds = Number(process.env.BENCH_PROFILE_SECONDS ?? 8);
  // With BENCH_COMPARE_BIN each scenario is profiled on both builds, one after the other.
  const builds: Array<[string, string | undefined]> = [['', undefined]];
  if (process.env.BENCH_COMPARE_BIN)
    builds.push([' — compared build', process.env.BENCH_COMPARE_BIN]);
  for (const scenario of scenarios)
    for (const [label, bin] of builds) {
      const profDir = mkdtempSync(join(dir, 'prof-'));
      const edge = await startServe(
        `profiled ${scenario.name}`,
        config,
        join(dir, 'prof.log'),
        env,
        ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
        bin,
      );
      const url = `http://127.0.0.1:${edge.port}${scenario.path}`;
      await autocannon({ url, headers: scenario.headers, connections: CONNECTIONS, duration: 2 });
      // V8 stamps samples on the monotonic clock, as hrtime does: only the measured load counts, not
      // the edge's startup (module loading, the store's WebAssembly) nor the warm-up.
      const from = Number(process.hrtime.bigint() / 1000n);
      const r = await autocannon({
        url,
        headers: scenario.headers,
        connections: CONNECTIONS,
        duration: seconds,
      });
      const to = Number(process.hrtime.bigint() / 1000n);
      edge.kill();
      await edge.stopped;
      const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error('no profile written');
      // BENCH_PROFILE_KEEP=<dir>: the raw profile is copied there for a closer look (DevTools).
      const keep = process.env.BENCH_PROFILE_KEEP;
      if (keep) {
        const name = `${scenario.name}${label}`.replace(/[^a-z0-9]+/gi, '-');
        copyFileSync(join(profDir, file), join(keep, `${name}.cpuprofile`));
      }
      console.log(
        `\nprofile: ${scenario.name}${label} (${r.requests.total} requests in ${seconds}s)`,
      );
      printTopCosts(JSON.parse(readFileSync(join(profDir, file), 'utf8')) as CpuProfile, from, to);
    }
}

interface CpuProfile {
  nodes: Array<{
    id: number;
    hitCount?: number;
    children?: number[];
    callFrame: { functionName: string; url: string; lineNumber: number };
  }>;
  samples: number[];
  startTime: number;
  timeDeltas: number[];
}

/** Samples per node taken between `from` and `to` (µs, monotonic); all of them when none fall there. */
function hitsWithin(profile: CpuProfile, from: number, to: number): Map<number, number> {
  const hits = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (at < from || at > to) continue;
    const id = profile.samples[i]!;
    hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  if (hits.size > 0) return hits;
  console.log('  (no samples inside the measured window: the whole run is counted)');
  return new Map(profile.nodes.map((n) => [n.id, n.hitCount ?? 0]));
}

function printTopCosts(profile: CpuProfile, from: number, to: number): void {
  const within = hitsWithin(profile, from, to);
  const hits = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const n = within.get(node.id) ?? 0;
    if (!n) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') continue;
    total += n;
    const where = url
      ? `${url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${lineNumber + 1}`
      : '';
    const key = `${functionName || '(anonymous)'} ${where}`.trim();
    hits.set(key, (hits.get(key) ?? 0) + n);
  }
  const top = [...hits].sort((a, b) => b[1] - a[1]).slice(0, 12);
  console.log('  self time:');
  for (const [key, n] of top)
    console.log(`  ${((n / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
  // Inclusive time of the project's own functions and the logger's: what each step costs in all.
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const inclusive = new Map<number, number>();
  const sum = (id: number): number => {
    const node = byId.get(id)!;
    let n = within.get(id) ?? 0;
    for (const c of node.children ?? []) n += sum(c);
    inclusive.set(id, n);
    return n;
  };
  sum(profile.nodes[0]!.id);
  const own = new Map<string, number>();
  const visit = (id: number, onStack: Set<string>) => {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const mine = /packages\/vestibule\/|\/pino\//.test(url);
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|packages)\//, '$1/')}:${lineNumber + 1}`;
    const counted = mine && !onStack.has(key);
    if (counted) own.set(key, (own.get(key) ?? 0) + inclusive.get(id)!);
    const next = counted ? new Set(onStack).add(key) : onStack;
    for (const c of node.children ?? []) visit(c, next);
  };
  visit(profile.nodes[0]!.id, new Set());
  console.log('  inclusive time, own code and logger:');
  for (const [key, n] of [...own].sort((a, b) => b[1] - a[1]).slice(0, 24)) {
    console.log(`  ${((n / total) * 100).toFixed(1).padStart(5)} %  ${key}`);
  }
}

const role = process.argv[2];
const roles: Record<string, () => Promise<number>> = {
  '--upstream': serveUpstream,
  '--kratos': serveKratos,
  '--bare-hop': () => serveBareHop(process.argv[3]!),
};
if (role && roles[role]) process.send!(await roles[role]());
else await main();

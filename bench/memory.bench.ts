// Memory (issue 15):
// 1. Edge RSS with 100k cached sessions: `vestibule serve` (built) with session_cache.max_entries
//    100000, behind a whoami stub that answers every token with the recorded Kratos whoami body
//    (ids varied per token), filled through a `required` route with 100k distinct tokens, then each
//    token requested once more (a session in use is hit again: what the edge keeps for it counts). Target
//    ≤ 150 MB.
//    The default config's edge store (PGlite) opens on the first self-service request, so after the
//    fill one login is submitted and the RSS read again with the store open: both figures printed.
//    The same with login protection off (no in-process PGlite edge store), and the session cache's
//    own heap per session, whole whoami answers vs the gateway's projection (session/projection.ts).
//    BENCH_EDGE_NODE_ARGS adds node flags to the edge; VESTIBULE_HEAP_GROWING_PERCENT=0 in the
//    environment gives V8's own heap growth (what `vestibule serve` did before issue 15's memory work).
//    The edge runs as users run it: default log level (info: one access line per request), written
//    through its normal destination (stderr) into a file. BENCH_COMPARE_BIN=<other checkout>/packages/
//    cli/bin/vestibule.js measures that build too, in the same run (A/B under the same load).
//    Per module: what importing `vestibule serve`'s path and each of its packages adds to a bare
//    node's RSS (after a GC), so a regression in what the edge loads at start shows by name.
// 2. The app library's identity-header nonce replay cache at 20k signed requests/s for a whole
//    validity window (30 s + 5 s skew): bytes held, heap growth, and checks per second (must be far
//    above 20k/s so it never becomes the app's bottleneck).
import { execFileSync, fork, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pool } from 'undici';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const SETTLE_S = Number(process.env.BENCH_SETTLE ?? 15);
const SECRET = 'bench-header-secret-0123456789abcdef';
const RECORDED = join(ROOT, '../shared/ory/kratos/transcripts/whoami.json');

/** A real whoami 200 body (recorded from Kratos), or a same-shaped one when the recording is absent. */
function whoamiTemplate(): Record<string, unknown> {
  if (existsSync(RECORDED)) {
    const entries = JSON.parse(readFileSync(RECORDED, 'utf8')) as Array<{
      request: { method: string; url: string };
      response: { status: number; body: Record<string, unknown> };
    }>;
    const hit = entries.find(
      (e) =>
        e.request.method === 'GET' &&
        e.request.url.endsWith('/sessions/whoami') &&
        e.response.status === 200,
    );
    if (hit) return hit.response.body;
  }
  console.log('# notice: recorded whoami not present, using a small built-in session');
  return {
    id: '',
    active: true,
    authenticator_assurance_level: 'aal1',
    identity: { id: '', schema_id: 'default', state: 'active', traits: { email: 'x@example.com' } },
  };
}

/** whoami stub: the recorded session for any token, with ids and email derived from the token. */
async function serveWhoamiStub(): Promise<number> {
  const template = whoamiTemplate();
  const identity = template.identity as Record<string, unknown>;
  const expires = new Date(Date.now() + 3_600_000).toISOString();
  const server = createServer((req, res) => {
    const token = String(req.headers['x-session-token'] ?? '');
    if (!token) return void res.writeHead(401, { 'content-type': 'application/json' }).end('{}');
    const n = token.slice(-12);
    const body = JSON.stringify({
      ...template,
      id: `00000000-0000-4000-8000-${n}`,
      expires_at: expires,
      identity: {
        ...identity,
        id: `11111111-0000-4000-8000-${n}`,
        traits: { ...(identity.traits as object), email: `user-${n}@example.com` },
      },
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function serveUpstream(): Promise<number> {
  const server = createServer((_req, res) => res.writeHead(200).end('ok'));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function forkRole(role: string): Promise<{ port: number; kill(): void }> {
  const proc = fork(fileURLToPath(import.meta.url), [role], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    proc.once('message', (port) => resolve({ port: Number(port), kill: () => proc.kill() }));
    proc.once('exit', (code) => reject(new Error(`${role} exited with ${code}`)));
  });
}

/** User + system CPU of a process so far, in µs (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

function rssMB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const OWN_BIN = join(ROOT, 'packages/cli/bin/vestibule.js');

async function edgeWithSessions(
  label: string,
  extraConfig: string[] = [],
  bin = OWN_BIN,
): Promise<void> {
  const kratos = await forkRole('--whoami-stub');
  const upstream = await forkRole('--upstream');
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-mem-'));
  const config = join(dir, 'vestibule.yml');
  writeFileSync(
    config,
    [
      'server: { host: 127.0.0.1, port: 0, public_url: "http://127.0.0.1:4000" }',
      `kratos: { public_url: "http://127.0.0.1:${kratos.port}" }`,
      'gateway:',
      `  upstream_url: "http://127.0.0.1:${upstream.port}"`,
      `  header_secret: "${SECRET}"`,
      `  session_cache: { ttl: 10m, max_entries: ${SESSIONS} }`,
      '  rules: [{ id: required, path: /required, mode: required }]',
      ...extraConfig,
      '',
    ].join('\n'),
  );
  // The default log level (an access line per request), as users run it; stderr into a file.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '' };
  delete env.VESTIBULE_LOG_LEVEL;
  const logPath = join(dir, 'edge.log');
  const log = openSync(logPath, 'w');
  const edge = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_EDGE_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      bin,
      'serve',
      '--config',
      config,
    ],
    { stdio: ['ignore', 'pipe', log] as ['ignore', 'pipe', number], env },
  );
  closeSync(log);
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      edge.stdout!.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /ready at http:\/\/[^:]+:(\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      edge.once('exit', (code) => {
        const log = existsSync(logPath) ? readFileSync(logPath, 'utf8').slice(-4000) : '';
        reject(new Error(`edge exited with ${code}: ${out}${log}`));
      });
    });
    const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 32, pipelining: 1 });
    const get = async (token: string) => {
      const r = await pool.request({
        path: '/required',
        method: 'GET',
        headers: { 'x-session-token': token },
      });
      await r.body.dump();
      if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
    };
    await get('ory_st_warmup000000000000');
    const idle = rssMB(edge.pid!);
    const cpuBefore = cpuMicros(edge.pid!);
    const started = performance.now();
    // Every session's token once, 64 requests at a time.
    const requestEachSession = async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 64 }, async () => {
          while (next < SESSIONS) await get(`ory_st_${String(next++).padStart(24, '0')}`);
        }),
      );
    };
    await requestEachSession();
    const cpuFill = cpuMicros(edge.pid!);
    const seconds = (performance.now() - started) / 1000;
    // Then each session once more, from the cache: a session in use is hit again, and whatever the
    // edge keeps for a session in use (it kept a User per session until issue 15's memory work)
    // counts.
    await requestEachSession();
    // What a cache miss costs the edge (whoami answer parsed, projected, cached): the fill is misses only.
    const cpuPerMiss = (cpuFill - cpuBefore) / SESSIONS;
    const filled = rssMB(edge.pid!);
    // Right after the fill the heap still holds the fill's garbage (V8 grows the heap while
    // allocation is fast); once the edge idles, V8's memory reducer collects and shrinks it.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_S * 1000));
    const settled = rssMB(edge.pid!);
    await get('ory_st_000000000000000000000000');
    // One login submit: the protection pipeline (and an embedded store) must be open to answer it.
    const login = await pool.request({
      path: '/api/ory/self-service/login?flow=00000000-0000-4000-8000-000000000000',
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'method=password&identifier=someone%40example.com&password=wrong&csrf_token=x',
    });
    await login.body.dump();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const afterLogin = rssMB(edge.pid!);
    await get('ory_st_000000000000000000000001');
    await pool.close();
    const met = (mb: number) => (mb <= 150 ? 'met' : 'NOT MET');
    const logMB = statSync(logPath).size / 1024 / 1024;
    console.log(
      `edge RSS (${label}${bin === OWN_BIN ? '' : `, ${bin}`}; info log ${logMB.toFixed(0)} MB): ` +
        `${idle.toFixed(0)} MB idle; with ${SESSIONS} cached sessions, each requested twice ` +
        `${filled.toFixed(0)} MB right after the fill (${seconds.toFixed(0)} s, ${cpuPerMiss.toFixed(0)} µs edge CPU per miss; ${met(filled)}), ` +
        `${settled.toFixed(0)} MB after ${SETTLE_S} s idle (${met(settled)}), ` +
        `${afterLogin.toFixed(0)} MB after a login submit (status ${login.statusCode}; ` +
        `${met(afterLogin)}); target ≤ 150 MB`,
    );
  } finally {
    edge.kill();
    kratos.kill();
    upstream.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * RSS and V8 heap a module adds to a bare node, after a GC: the serve path as a whole, then each
 * package it may load (those loaded on first use included, to show what deferring them saves).
 * Overlapping: a package's own dependencies count in each that imports them. RSS includes the heap
 * V8 grew while loading (its young generation above all) and moves by a few MB run to run; the heap
 * used is the steady figure.
 */
function moduleCosts(): void {
  const measure = (specifiers: string[], after = ''): { rss: number; heap: number } => {
    const script =
      `for (const s of ${JSON.stringify(specifiers)}) await import(s);` +
      after +
      'globalThis.gc(); await new Promise((r) => setTimeout(r, 100)); globalThis.gc();' +
      'const m = process.memoryUsage(); process.stdout.write(JSON.stringify([m.rss, m.heapUsed]));';
    const out = execFileSync(
      process.execPath,
      ['--expose-gc', '--input-type=module', '-e', script],
      { cwd: join(ROOT, 'packages/vestibule'), env: { ...process.env, NODE_OPTIONS: '' } },
    );
    const [rss, heap] = JSON.parse(String(out)) as [number, number];
    return { rss: rss / 1024 / 1024, heap: heap / 1024 / 1024 };
  };
  const dist = (path: string) => pathToFileURL(join(ROOT, 'packages', path)).href;
  const bare = measure([]);
  // The serve command imports vestibule/config and vestibule/edge when it runs, then loads a config.
  const servePath = [
    dist('cli/dist/main.js'),
    dist('cli/dist/commands/serve.js'),
    dist('vestibule/dist/config/index.js'),
    dist('vestibule/dist/edge/index.js'),
  ];
  const loadOne =
    `const { loadConfigText } = await import(${JSON.stringify(dist('vestibule/dist/config/index.js'))});` +
    'loadConfigText(\'kratos: { public_url: "http://127.0.0.1:4433" }\\ngateway: { upstream_url: "http://127.0.0.1:3000", rules: [{ path: /r, mode: required }] }\', { env: {} });';
  const rows: Array<[string, string[], string?]> = [
    ['serve path (cli main + serve + config + edge)', servePath],
    ['serve path, a config loaded (schemas dropped)', servePath, loadOne],
    ['vestibule/edge', [dist('vestibule/dist/edge/index.js')]],
    ['vestibule/config', [dist('vestibule/dist/config/index.js')]],
    ...['zod', 'undici', 'pino', 'yaml', 'lru-cache', '@hono/node-server'].map(
      (p): [string, string[]] => [p, [p]],
    ),
    ...['@ory/client-fetch', 'prom-client', 'rate-limiter-flexible', 'kysely', 'pg', 'jose'].map(
      (p): [string, string[]] => [`${p} (on first use)`, [p]],
    ),
  ];
  console.log(
    `modules: bare node ${bare.rss.toFixed(0)} MB RSS, ${bare.heap.toFixed(1)} MB heap used; ` +
      'added by importing (after a GC):',
  );
  for (const [label, specifiers, after] of rows) {
    const { rss, heap } = measure(specifiers, after);
    console.log(
      `  ${label.padEnd(48)} +${(rss - bare.rss).toFixed(1).padStart(4)} MB RSS  ` +
        `+${(heap - bare.heap).toFixed(1).padStart(4)} MB heap`,
    );
  }
}

async function replayCache(): Promise<void> {
  const { createReplayCache, defaultMaxNonces } =
    await import('../packages/vestibule/src/identity-headers/replay-cache.ts');
  const rate = 20_000;
  const maxAge = 30;
  const skew = 5;
  const nonces = Array.from({ length: rate }, () => randomUUID());
  const cache = createReplayCache({ maxAge, maxNonces: defaultMaxNonces(maxAge, skew) });
  const start = 1_900_000_000;
  let checks = 0;
  const began = performance.now();
  // Two windows of seconds at 20k/s: every nonce unique (a suffix per second).
  for (let second = 0; second < 2 * (maxAge + skew); second++) {
    const suffix = second.toString(36);
    for (const nonce of nonces) {
      if (cache.check(nonce + suffix, start + second, start + second) !== 'fresh') {
        throw new Error('a fresh nonce was refused');
      }
      checks++;
    }
  }
  const elapsed = (performance.now() - began) / 1000;
  const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
  console.log(
    `nonce replay cache at ${rate} signed req/s, ${maxAge}+${skew} s window: ${cache.size} nonces held ` +
      `in ${mb(cache.bytes)} MB of tables (bounded: the window's seconds only); ` +
      `${((checks / elapsed) | 0).toLocaleString('en')} checks/s`,
  );
}

/**
 * What the session cache itself holds per session, in this process after a full GC: whole whoami
 * answers (as cached before) against the gateway's projection (what `vestibule serve` caches).
 */
async function sessionCacheHeap(): Promise<void> {
  const { createSessionCache } = await import('../packages/vestibule/src/session/cache.ts');
  const { createSessionProjection } =
    await import('../packages/vestibule/src/session/projection.ts');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const template = whoamiTemplate();
  const identity = template.identity as Record<string, unknown>;
  const expires = new Date(Date.now() + 3_600_000).toISOString();
  // All in: the heap and the typed arrays (the LRU's links) from before the cache is made, so its
  // index, the identity index and the LRU's preallocated slots count too.
  const held = () => {
    const { heapUsed, arrayBuffers } = process.memoryUsage();
    return heapUsed + arrayBuffers;
  };
  const heapPerSession = async (
    project?: Parameters<typeof createSessionCache>[0]['project'],
    role?: string,
  ) => {
    // The previous run's cache is gone before counting (its buffers are freed after a GC, not in it).
    gc();
    await new Promise((resolve) => setTimeout(resolve, 200));
    gc();
    const before = held();
    const cache = createSessionCache({
      maxEntries: SESSIONS,
      ttlMs: 600_000,
      ...(project ? { project } : {}),
      // As whoami() hands them over: parsed from the body's text.
      whoami: async ({ value }) => {
        const n = value.slice(-12);
        return JSON.parse(
          JSON.stringify({
            ...template,
            id: `00000000-0000-4000-8000-${n}`,
            expires_at: expires,
            identity: {
              ...identity,
              id: `11111111-0000-4000-8000-${n}`,
              traits: { ...(identity.traits as object), email: `user-${n}@example.com` },
              ...(role ? { metadata_public: { role } } : {}),
            },
          }),
        ) as never;
      },
    });
    // 64 lookups at a time, as the edge's fill sends them: copies are made while others are in flight.
    for (let i = 0; i < SESSIONS; i += 64) {
      await Promise.all(
        Array.from({ length: Math.min(64, SESSIONS - i) }, (_, j) =>
          cache.lookup({ kind: 'token', value: `ory_st_${String(i + j).padStart(24, '0')}` }),
        ),
      );
    }
    gc();
    const bytes = (held() - before) / SESSIONS;
    if (cache.size !== SESSIONS) throw new Error(`cached ${cache.size}`);
    cache.clear();
    return bytes;
  };
  const whole = await heapPerSession();
  const projected = await heapPerSession(createSessionProjection([])!);
  // A role longer than the 10 characters JSON.parse shares by itself: shared by the projection.
  const withRole = await heapPerSession(createSessionProjection([])!, 'administrator');
  const mb = (perSession: number) => ((perSession * SESSIONS) / 1024 / 1024).toFixed(0);
  console.log(
    `session cache heap for ${SESSIONS} sessions (recorded whoami body; all in: entries, keys, LRU, ` +
      `identity index): whole sessions ` +
      `${whole.toFixed(0)} B each (${mb(whole)} MB), projected ${projected.toFixed(0)} B each ` +
      `(${mb(projected)} MB), projected with metadata_public.role "administrator" ` +
      `${withRole.toFixed(0)} B each`,
  );
}

const role = process.argv[2];
if (role === '--whoami-stub') process.send!(await serveWhoamiStub());
else if (role === '--upstream') process.send!(await serveUpstream());
else {
  // BENCH_ONLY=word,…: only the parts named (replay, heap, modules, default, off).
  const only = process.env.BENCH_ONLY?.split(',');
  const wanted = (word: string) => !only || only.some((w) => word.includes(w));
  if (wanted('replay')) await replayCache();
  if (wanted('heap')) await sessionCacheHeap();
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs')], { stdio: 'ignore' });
  if (wanted('modules')) moduleCosts();
  const compare = process.env.BENCH_COMPARE_BIN;
  if (wanted('edge default')) {
    await edgeWithSessions('default config');
    if (compare) await edgeWithSessions('default config', [], compare);
  }
  // The default config opens the edge store (login protection) in PGlite: its WebAssembly memory
  // alone is ≥ 128 MB. Without it, what the edge and its session cache take.
  if (wanted('edge off')) {
    const off = ['protection: { enabled: false }'];
    await edgeWithSessions('protection off: no in-process PGlite store', off);
    if (compare) await edgeWithSessions('protection off: no in-process PGlite store', off, compare);
  }
}

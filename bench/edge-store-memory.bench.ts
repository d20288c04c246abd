// What the edge's embedded store (PGlite) costs in memory once it is open (issue 15), apart from the
// edge's modules and session cache (bench/memory.bench.ts measures the whole edge). Each variant runs
// in a fresh process that imports the protection modules, reads its RSS after a GC, opens the store
// as the edge does on the first self-service request (the default config: PGlite in a throwaway
// directory), runs the edge's statements on it — logins through the submit pipeline (reservations,
// wrong passwords whose failure is written before the answer, successes with their audit rows), a
// rate-limit hit, the hourly prune — and reads its RSS again after a GC. The difference is split
// from /proc/self/smaps: the WebAssembly memory PostgreSQL touched, executable code (mostly the
// compiled WebAssembly), the V8 heap, and the rest (native: the module's bytes, PGlite's bundled
// files, the allocator's keep).
// Variants: V8's default compilation (Liftoff, then TurboFan for hot functions) against Liftoff only
// (what `vestibule serve` sets), and the store's settings before issue 15's memory work (8 MB of
// shared buffers, 100 connection slots) against the shipped ones. Figures vary by a few MB between
// runs; BENCH_REPEAT=n runs each variant n times and prints the median.
// Much of "rest" is glibc keeping memory that compilation freed: MALLOC_TRIM_THRESHOLD_=131072
// MALLOC_MMAP_THRESHOLD_=131072 in the environment (fixed thresholds, read by the C library at
// process start) leave about the module's bytes and PGlite's bundled files (~15 MB) there.
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { EdgeStoreDatabase } from '../packages/vestibule/src/store/database.ts';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 300);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 1);
const PREVIOUS_SETTINGS = { shared_buffers: '8MB' };

interface Variant {
  label: string;
  wasm: 'tier-up' | 'baseline';
  settings: 'shipped' | 'previous';
}
interface Footprint {
  before: number;
  after: number;
  linear: number;
  code: number;
  heap: number;
  msPerLogin: number;
}

const VARIANTS: Variant[] = [
  { label: 'before: tier-up, 8 MB buffers, 100 slots', wasm: 'tier-up', settings: 'previous' },
  { label: 'tier-up, shipped settings', wasm: 'tier-up', settings: 'shipped' },
  { label: 'Liftoff only, 8 MB buffers, 100 slots', wasm: 'baseline', settings: 'previous' },
  {
    label: 'after: Liftoff only, shipped (vestibule serve)',
    wasm: 'baseline',
    settings: 'shipped',
  },
];

if (process.env.BENCH_STORE_CHILD)
  await child(JSON.parse(process.env.BENCH_STORE_CHILD) as Variant);
else await parent();

async function parent(): Promise<void> {
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1).padStart(6);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
  console.log(
    `edge store (PGlite) once open, ${LOGINS} logins + ${LOGINS} wrong passwords, RSS after GC (MB)`,
  );
  console.log(
    `  ${'variant'.padEnd(48)} before  after  store  wasm-mem  code   heap   rest  ms/login`,
  );
  const results = new Map<Variant, Footprint[]>(VARIANTS.map((v) => [v, []]));
  // Interleaved: a machine that gets busier mid-run disturbs every variant alike.
  for (let i = 0; i < REPEAT; i++)
    for (const variant of VARIANTS) results.get(variant)!.push(await run(variant));
  for (const [variant, runs] of results) {
    const pick = (key: keyof Footprint) => median(runs.map((r) => r[key]));
    const store = pick('after') - pick('before');
    const rest = store - pick('linear') - pick('code') - pick('heap');
    console.log(
      `  ${variant.label.padEnd(48)} ${mb(pick('before'))} ${mb(pick('after'))} ${mb(store)} ${mb(pick('linear'))}   ${mb(pick('code'))} ${mb(pick('heap'))} ${mb(rest)}  ${pick('msPerLogin').toFixed(2).padStart(6)}`,
    );
  }
  console.log(
    '  (ms/login: both logins of a pair through the pipeline, wall clock on this machine; the\n' +
      '   added cost per login is `npm run bench -- login-protection`)',
  );
}

function run(variant: Variant): Promise<Footprint> {
  return new Promise((resolve, reject) => {
    const proc = fork(fileURLToPath(import.meta.url), {
      execArgv: [...process.execArgv, '--expose-gc'],
      env: { ...process.env, BENCH_STORE_CHILD: JSON.stringify(variant) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    proc.once('message', (m) => resolve(m as Footprint));
    proc.once('exit', (code) => {
      if (code !== 0) reject(new Error(`${variant.label}: exit ${code}`));
    });
  });
}

async function child(variant: Variant): Promise<void> {
  // As `vestibule serve` does, before any WebAssembly is compiled.
  if (variant.wasm === 'baseline') setFlagsFromString('--liftoff-only');
  const gc = runInNewContext('gc') as () => void;
  const { loadConfigObject } = await import('../packages/vestibule/src/config/index.ts');
  const { createLogger } = await import('../packages/vestibule/src/lib/logger.ts');
  const protection = await import('../packages/vestibule/src/protection/index.ts');
  const { createRateLimiters, parseRateSpec } =
    await import('../packages/vestibule/src/rate-limit/index.ts');
  const store = await import('../packages/vestibule/src/store/database.ts');
  const { migrationsKey, pgliteTemplate } = await import('@vestibule/server-kit/pglite-template');
  const { edgeMigrations, EDGE_MIGRATION_TABLE } =
    await import('../packages/vestibule/src/store/migrations.ts');
  const { Kysely } = await import('kysely');
  const { PGliteDialect } = await import('kysely-pglite-dialect');

  const { config } = loadConfigObject({}, { env: {} });
  const logger = createLogger({ level: 'error', write: () => {} });
  const settle = () => {
    gc();
    gc();
  };
  settle();
  const before = snapshot();

  let wrap: (h: (r: Request) => Promise<Response>) => (r: Request, c: never) => Promise<Response>;
  let flush: () => Promise<void>;
  let prune: () => Promise<void>;
  let cleanup: () => Promise<void>;
  if (variant.settings === 'shipped') {
    // Exactly as the edge: the default config's store, opened by login protection.
    const opened = await protection.openLoginProtection(config, { logger });
    const state = await opened.state();
    wrap = (h) => opened.wrap(h) as never;
    flush = () => state.audit.flush();
    prune = () => opened.prune();
    cleanup = () => opened.close();
  } else {
    // The same store and pipeline, from the same template, with the previous settings.
    const dir = mkdtempSync(join(tmpdir(), 'bench-edge-store-'));
    const template = pgliteTemplate({
      name: 'edge-store',
      key: async () => migrationsKey(await edgeMigrations.getMigrations(), EDGE_MIGRATION_TABLE),
      migrate: (db) => store.migrateEdgeStore(new Kysely({ dialect: new PGliteDialect(db) })),
      settings: PREVIOUS_SETTINGS,
    });
    await store.edgeStoreTemplate.prepare();
    const client = await template.openDirectory(dir);
    const db = new Kysely<EdgeStoreDatabase>({
      dialect: new PGliteDialect(client),
    });
    await store.migrateEdgeStore(db);
    const edgeStore = {
      db,
      target: { kind: 'directory' as const, path: dir },
      pool: undefined,
      sharedValue: async (_name: string, make: () => string) => make(),
      close: async () => {
        await db.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
    const state = await protection.protectionState(edgeStore, config, logger, Date.now);
    const pipeline = protection.createSubmitProtection({
      prefix: config.proxy.prefix,
      counters: state.counters,
      audit: state.audit,
      rules: protection.rulesOf(config),
      maxBodyBytes: config.proxy.max_body_bytes,
      sessionCookie: config.gateway.session_cookie_name,
      pageURL: (flow, flowId) => `/${flow}?flow=${flowId}`,
      secureCookies: false,
      trustProxy: false,
      secondFactors: state.secondFactors,
      logger,
      now: Date.now,
    });
    wrap = (h) => pipeline.wrap(h) as never;
    flush = () => state.audit.flush();
    prune = async () => {
      await state.audit.prune(config.audit.retention);
      await state.counters.prune(60 * 60_000);
      await state.secondFactors.prune();
    };
    cleanup = () => edgeStore.close();
  }

  const FLOW = '0b0e2a6c-1f1e-4a57-9b0e-000000000001';
  const answer = (location: string, cookie?: string) => async (request: Request) => {
    await request.arrayBuffer();
    const headers = new Headers({ location });
    if (cookie) headers.set('set-cookie', cookie);
    return new Response(null, { status: 303, headers });
  };
  const wrong = wrap(answer(`/login?flow=${FLOW}`));
  const right = wrap(answer('/welcome', 'ory_kratos_session=abc; Path=/; HttpOnly'));
  const login = (identifier: string) =>
    new Request(`http://localhost:4000/api/ory/self-service/login?flow=${FLOW}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({
        csrf_token: 't',
        method: 'password',
        identifier,
        password: 'p',
      }).toString(),
    });
  const context = (n: number) =>
    ({ requestId: `r${n}`, clientAddress: `10.0.${n >> 8}.${n & 255}`, log: logger }) as never;
  const limiters = createRateLimiters();
  const spec = parseRateSpec('600/1m')!;
  const loopStarted = performance.now();
  for (let n = 0; n < LOGINS; n++) {
    await wrong(login(`user-${n}@example.com`), context(n));
    await right(login(`user-${n}@example.com`), context(n));
    await limiters.consume('bench-rule', spec, `10.0.${n >> 8}.${n & 255}`);
  }
  await flush();
  const msPerLogin = (performance.now() - loopStarted) / (2 * LOGINS);
  await prune();
  settle();
  const after = snapshot();
  process.send!({
    before: before.rss,
    after: after.rss,
    linear: after.linear - before.linear,
    code: after.code - before.code,
    heap: after.heap - before.heap,
    msPerLogin,
  } satisfies Footprint);
  await limiters.close();
  await cleanup();
  process.disconnect?.();
}

/** RSS and its parts from /proc/self/smaps (Linux). */
function snapshot(): { rss: number; linear: number; code: number; heap: number } {
  let linear = 0;
  let code = 0;
  let current: { size: number; anon: boolean; exec: boolean } | undefined;
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      current = {
        size: parseInt(head[2]!, 16) - parseInt(head[1]!, 16),
        anon: !head[4],
        exec: head[3]!.includes('x'),
      };
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (!rss || !current?.anon) continue;
    const bytes = Number(rss[1]) * 1024;
    // PGlite's WebAssembly memory: one anonymous mapping of its initial 128 MB or more (only the
    // pages PostgreSQL touched are resident).
    if (current.size >= 100 * 2 ** 20) linear += bytes;
    else if (current.exec) code += bytes;
  }
  return { rss: process.memoryUsage().rss, linear, code, heap: process.memoryUsage().heapUsed };
}

// The packages as a consumer gets them: build, `npm pack` vestibule, @vestibule/cli and
// @vestibule/identity-server, install the tarballs OFFLINE (npm cache only, see scratch-lockfile.ts)
// into a scratch Express app (all three), a scratch Next.js app and a vestibule-only app, and run
// everything with plain `node` (no tsx, no @vestibule/source condition: the tarballs ship dist/
// only). The identity server and the edges run from the packed bins; a user registered through an
// edge's proxy reaches each app's getUser() through signed headers, forged headers sent to the app
// directly do not.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scratchManifests, type Tarball } from './scratch-lockfile.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const PACKED = [
  // vestibule and both servers depend on it (the PGlite template, the servers' serve command).
  '@vestibule/server-kit',
  'vestibule',
  '@vestibule/cli',
  '@vestibule/identity-server',
  '@vestibule/oauth2-server',
];
/** What installing `vestibule` alone brings of ours: itself and the one package it depends on. */
const VESTIBULE_ALONE = ['vestibule', '@vestibule/server-kit'];
const SECRET = `consumer-test-header-secret-${process.pid}-${Date.now()}`;

/** The environment of every child: the test's, minus the source condition the test runner adds. */
const childEnv: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_OPTIONS: (process.env.NODE_OPTIONS ?? '')
    .split(/\s+/)
    .filter((o) => o && o !== '--conditions=@vestibule/source')
    .join(' '),
  // The bins' `#!/usr/bin/env node` finds this Node first.
  PATH: [dirname(process.execPath), process.env.PATH].filter(Boolean).join(delimiter),
  // Nothing reaches the network: not npm (npm ci is offline anyway), not Next's telemetry.
  npm_config_offline: 'true',
  NEXT_TELEMETRY_DISABLED: '1',
  VESTIBULE_HEADER_SECRET: SECRET,
  VESTIBULE_LOG_LEVEL: 'warn',
};

const children: ChildProcess[] = [];
const work = mkdtempSync(join(tmpdir(), 'vestibule-consumer-'));

/** Last resort when the runner kills this file (timeout, Ctrl-C): no server or temp dir outlives it. */
function cleanup(): void {
  for (const child of children) kill(child, 'SIGKILL');
  rmSync(work, { recursive: true, force: true });
}
process.once('exit', cleanup);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(1));

/** Runs a command to completion; rejects with its output on failure or after `timeoutMs`. */
async function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  // Its own process group, so that a timeout or cleanup() takes its children down too.
  const child = spawn(cmd, args, {
    cwd,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => kill(child, 'SIGKILL'), timeoutMs);
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  clearTimeout(timer);
  if (code === 0) return stdout;
  throw new Error(
    `${cmd} ${args.join(' ')} (in ${cwd}) failed: ${signal ?? `exit ${code}`}\n${stdout}\n${stderr}`,
  );
}

function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Starts a long-running process (in its own process group) and waits for `ready` in its output. */
async function start(
  cmd: string,
  args: string[],
  cwd: string,
  ready: RegExp,
  timeoutMs: number,
  env: NodeJS.ProcessEnv = {},
): Promise<ChildProcess> {
  const child = spawn(cmd, args, {
    cwd,
    env: { ...childEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  children.push(child);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')}: ${why}\n${output}`));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => fail(`exited (${code}) before ready`);
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
  return child;
}

/** Stops a child's whole process group: SIGTERM, then SIGKILL if it is still there after 5 s. */
async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  kill(child, 'SIGTERM');
  const timer = setTimeout(() => kill(child, 'SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * A port that is free now, picked below the kernel's ephemeral range (32768+) so that no other
 * process's listen(0) or outgoing connection takes it before our server binds it.
 */
async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found');
}

interface Packed {
  name: string;
  filename: string;
  integrity: string;
  files: Array<{ path: string }>;
}

let packed: Packed[];
const apps = { express: '', next: '', only: '' };
let kratosURL: string;
let nextStarted: Promise<string>;

/** A scratch app in `work/<dir>`: manifests from the monorepo's lockfile, then `npm ci --offline`. */
async function install(
  dir: string,
  tarballs: string[],
  registryDeps: string[],
  registry: string,
): Promise<string> {
  const app = join(work, dir);
  mkdirSync(app);
  const { packageJson, packageLock } = scratchManifests(
    root,
    `scratch-${dir}`,
    packed
      .filter((p) => tarballs.includes(p.name))
      .map((p): Tarball => ({
        name: p.name,
        file: join(work, 'packs', p.filename),
        integrity: p.integrity,
      })),
    registryDeps,
    registry,
  );
  writeFileSync(join(app, 'package.json'), JSON.stringify(packageJson, null, 2));
  writeFileSync(join(app, 'package-lock.json'), JSON.stringify(packageLock, null, 2));
  // --offline: the cache or nothing. --ignore-scripts: nothing we install needs a build step.
  await run(
    'npm',
    ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'],
    app,
    120_000,
  );
  return app;
}

const EXPRESS_SERVER = `import express from 'express';
import { createVestibule } from 'vestibule';
import { expressAuth } from 'vestibule/adapters/express';

const auth = expressAuth(createVestibule({ mode: 'header', headerSecret: process.env.VESTIBULE_HEADER_SECRET }));
const app = express();
app.get('/whoami', async (req, res) => res.json({ user: await auth.getUser(req) }));
app.get('/account', auth.requireUser(), (req, res) => res.json({ user: res.locals.user }));
app.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('express listening'));
`;

const NEXT_ROUTE = (handler: string) => `import { createVestibule } from 'vestibule';
import { nextAuth } from 'vestibule/adapters/next';

const auth = nextAuth(createVestibule({ mode: 'header', headerSecret: process.env.VESTIBULE_HEADER_SECRET }));
export const dynamic = 'force-dynamic';
${handler}
`;

/** `next build`, then `next start` on a free port; resolves to the app's URL. */
async function buildAndStartNext(app: string): Promise<string> {
  for (const [route, handler] of [
    [
      'whoami',
      'export async function GET(request) {\n  return Response.json({ user: await auth.getUser(request) });\n}',
    ],
    [
      'account',
      'export const GET = auth.withUser((request, { user }) => Response.json({ user }));',
    ],
  ] as const) {
    mkdirSync(join(app, 'app', route), { recursive: true });
    writeFileSync(join(app, 'app', route, 'route.js'), NEXT_ROUTE(handler));
  }
  writeFileSync(join(app, 'next.config.mjs'), 'export default {};\n');
  const next = join(app, 'node_modules/next/dist/bin/next');
  await run(process.execPath, [next, 'build'], app, 150_000);
  const port = await freePort();
  await start(
    process.execPath,
    [next, 'start', '-H', '127.0.0.1', '-p', String(port)],
    app,
    /Ready in/,
    90_000,
  );
  return `http://127.0.0.1:${port}`;
}

/** The edge from the packed CLI (installed in the Express app) in front of `upstream`; its URL. */
async function startEdge(app: string, upstream: string): Promise<string> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = join(app, 'vestibule.yml');
  writeFileSync(
    config,
    `server: { host: 127.0.0.1, port: ${port}, public_url: "${url}" }
kratos: { public_url: "${kratosURL}", browser_url: "${kratosURL}/" }
gateway:
  upstream_url: "${upstream}"
  header_secret: "${SECRET}"
  default_decision: deny
  rules:
    - { path: /whoami, mode: optional }
    - { path: /account, mode: required }
`,
  );
  const bin = join(apps.express, 'node_modules/.bin/vestibule');
  await start(bin, ['serve', '--config', config], app, /ready at http/, 90_000);
  return url;
}

/** Registers a user through the edge's same-origin proxy (Kratos's API flow); its session token. */
async function register(edge: string, email: string): Promise<{ token: string; id: string }> {
  const flow = (await (await fetch(`${edge}/api/ory/self-service/registration/api`)).json()) as {
    ui: { action: string };
  };
  const action = new URL(flow.ui.action);
  assert.equal(action.origin, edge, 'the proxy rewrites the flow action to the edge');
  const res = await fetch(`${edge}${action.pathname}${action.search}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      method: 'password',
      traits: { email },
      password: 'a-consumer-test-password-7!',
    }),
  });
  const body = (await res.json()) as { session_token?: string; identity?: { id: string } };
  assert.equal(res.status, 200, JSON.stringify(body).slice(0, 500));
  return { token: body.session_token!, id: body.identity!.id };
}

async function getJSON(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers: { accept: 'application/json', ...headers } });
  return {
    status: res.status,
    body: (await res.json()) as { user?: { id: string; email: string | null } | null },
  };
}

/** The end-to-end check, the same for every framework: anonymous, signed-in, forged. */
async function checkApp(app: string, appURL: string, email: string): Promise<void> {
  const edge = await startEdge(app, appURL);
  assert.deepEqual(await getJSON(`${edge}/whoami`), { status: 200, body: { user: null } });
  assert.equal((await getJSON(`${edge}/account`)).status, 401);

  const { token, id } = await register(edge, email);
  for (const [path, headers] of [
    ['/whoami', { 'x-session-token': token }],
    ['/account', { authorization: `Bearer ${token}` }],
  ] as const) {
    const { status, body } = await getJSON(`${edge}${path}`, headers);
    assert.equal(status, 200, path);
    assert.equal(body.user?.id, id, path);
    assert.equal(body.user?.email, email, path);
  }

  // Straight to the app with made-up identity headers: unsigned, so nobody.
  const forged = {
    'x-user-id': id,
    'x-user-email': email,
    'x-user-role': 'admin',
    'x-vestibule-signature': `v1;t=${Math.floor(Date.now() / 1000)};n=abcdefgh12345678;s=${'A'.repeat(43)}`,
  };
  assert.deepEqual(await getJSON(`${appURL}/whoami`, forged), {
    status: 200,
    body: { user: null },
  });
  assert.equal((await getJSON(`${appURL}/account`, forged)).status, 401);
}

describe('the packed packages in scratch apps, installed offline and run with plain node', () => {
  before(
    async () => {
      const t0 = Date.now();
      const since = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
      await run(process.execPath, [join(root, 'scripts/build.mjs')], root, 240_000);
      console.log(`# built at ${since()}`);
      mkdirSync(join(work, 'packs'));
      const workspaces = PACKED.flatMap((name) => ['--workspace', name]);
      const packArgs = ['pack', ...workspaces, '--pack-destination', join(work, 'packs')];
      packed = JSON.parse(
        await run('npm', [...packArgs, '--json', '--ignore-scripts'], root, 60_000),
      ) as Packed[];
      console.log(`# packed at ${since()}`);
      const registry = (await run('npm', ['config', 'get', 'registry'], work, 30_000)).trim();
      [apps.express, apps.next, apps.only] = await Promise.all([
        install('express', PACKED, ['express', '@types/express', '@types/node'], registry),
        install('next', VESTIBULE_ALONE, ['next', 'react', 'react-dom'], registry),
        install('only', VESTIBULE_ALONE, [], registry),
      ]);
      console.log(`# installed offline at ${since()}`);
      // The slow part runs while the other tests do.
      nextStarted = buildAndStartNext(apps.next).then((url) => {
        console.log(`# next build + start done at ${since()}`);
        return url;
      });
      nextStarted.catch(() => {}); // awaited (and reported) by its test

      // One identity server from the packed bin, on its shipped kratos.yml (ports from the env).
      const [publicPort, adminPort] = [await freePort(), await freePort()];
      kratosURL = `http://127.0.0.1:${publicPort}`;
      const pkg = join(apps.express, 'node_modules/@vestibule/identity-server');
      await start(
        join(apps.express, 'node_modules/.bin/vestibule-identity-server'),
        ['serve', '--config', join(pkg, 'config/kratos.yml')],
        apps.express,
        /Kratos admin API listening/,
        90_000,
        {
          DSN: 'memory',
          SERVE_PUBLIC_PORT: String(publicPort),
          SERVE_PUBLIC_BASE_URL: `${kratosURL}/`,
          SERVE_ADMIN_PORT: String(adminPort),
          SERVE_ADMIN_BASE_URL: `http://127.0.0.1:${adminPort}/`,
          HASHERS_BCRYPT_COST: '4',
          // The shipped config asks Have I Been Pwned; nothing here reaches the network.
          SELFSERVICE_METHODS_PASSWORD_CONFIG_HAVEIBEENPWNED_ENABLED: 'false',
        },
      );
    },
    { timeout: 300_000 },
  );

  after(
    async () => {
      const t0 = Date.now();
      await Promise.all(children.map(stop));
      console.log(`# stopped in ${Date.now() - t0} ms`);
      rmSync(work, { recursive: true, force: true });
      console.log(`# removed in ${Date.now() - t0} ms`);
    },
    { timeout: 180_000 },
  );

  test('the tarballs ship dist/ (with every export and bin target), no src/, test/ or tsbuildinfo', () => {
    for (const pkg of packed) {
      const files = pkg.files.map((f) => f.path);
      const bad = files.filter((f) => /^(src|test)\//.test(f) || f.endsWith('.tsbuildinfo'));
      assert.deepEqual(bad, [], `${pkg.name} ships only what it needs`);
      const manifest = JSON.parse(
        readFileSync(join(apps.express, 'node_modules', pkg.name, 'package.json'), 'utf8'),
      ) as {
        exports?: Record<string, string | Record<string, string>>;
        bin?: Record<string, string>;
      };
      const targets = [
        ...Object.values(manifest.exports ?? {}).flatMap((e) =>
          typeof e === 'string' ? [e] : [e.types!, e.import!],
        ),
        ...Object.values(manifest.bin ?? {}),
      ].map((t) => t.replace(/^\.\//, ''));
      for (const target of targets)
        assert.ok(files.includes(target), `${pkg.name} ships ${target}`);
    }
  });

  test('every subpath export of vestibule imports under plain node, with vestibule alone installed', async () => {
    const { exports } = JSON.parse(
      readFileSync(join(apps.only, 'node_modules/vestibule/package.json'), 'utf8'),
    ) as { exports: Record<string, unknown> };
    const specifiers = Object.keys(exports)
      .filter((k) => k !== './package.json')
      .map((k) => `vestibule${k.slice(1)}`);
    const script = `for (const s of ${JSON.stringify(specifiers)}) {
  const m = await import(s);
  if (Object.keys(m).length === 0) throw new Error(s + ' exports nothing');
}
console.log('imported ' + ${specifiers.length});`;
    const out = await run(
      process.execPath,
      ['--input-type=module', '-e', script],
      apps.only,
      30_000,
    );
    assert.equal(out.trim(), `imported ${specifiers.length}`);
    assert.ok(specifiers.length >= 11, specifiers.join(' '));
  });

  test('vestibule alone installs no native hashing, mail or JSON-schema packages', async () => {
    const tree = JSON.parse(await run('npm', ['ls', '--all', '--json'], apps.only, 30_000)) as Tree;
    const names = new Set<string>();
    const walk = (t: Tree) => {
      for (const [name, child] of Object.entries(t.dependencies ?? {})) {
        names.add(name);
        walk(child);
      }
    };
    walk(tree);
    assert.ok(names.has('vestibule') && names.has('undici'), [...names].join(' '));
    const unwanted = [...names].filter((n) => /^@node-rs\/|^nodemailer$|^ajv(-|$)/.test(n));
    assert.deepEqual(unwanted, []);
  });

  test("a TypeScript consumer typechecks against the installed package's .d.ts (nodenext)", async () => {
    writeFileSync(
      join(apps.express, 'consumer.ts'),
      `import { createVestibule, type User, type Vestibule } from 'vestibule';
import { expressAuth } from 'vestibule/adapters/express';
import { nextAuth } from 'vestibule/adapters/next';
import { loadConfigObject } from 'vestibule/config';

const vestibule: Vestibule = createVestibule({ mode: 'header', headerSecret: 'x'.repeat(32) });
export async function who(request: Request): Promise<string | null | undefined> {
  const user: User | null = await vestibule.getUser(request);
  // @ts-expect-error User.id is a string: this line errs only if the .d.ts chain resolved
  const id: number | undefined = user?.id;
  return id === undefined ? user?.email : String(id);
}
export const forNext = nextAuth(vestibule);
export const forExpress = expressAuth(vestibule).requireUser();
export const config = loadConfigObject;
// @ts-expect-error mode is 'header' | 'direct'
createVestibule({ mode: 'sometimes' });
`,
    );
    writeFileSync(
      join(apps.express, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    await run(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-p', '.'],
      apps.express,
      90_000,
    );
  });

  test('Express: getUser() sees the edge-signed user, not forged headers', async () => {
    writeFileSync(join(apps.express, 'server.mjs'), EXPRESS_SERVER);
    const port = await freePort();
    await start(process.execPath, ['server.mjs'], apps.express, /express listening/, 90_000, {
      PORT: String(port),
    });
    await checkApp(apps.express, `http://127.0.0.1:${port}`, 'express@example.com');
  });

  test(
    'Next.js (next build, next start): getUser() sees the edge-signed user, not forged headers',
    { timeout: 240_000 },
    async () => {
      await checkApp(apps.next, await nextStarted, 'next@example.com');
    },
  );
});

interface Tree {
  dependencies?: Record<string, Tree>;
}

// `vestibule add-auth` per framework on a scratch app: detection, a diff preview that writes nothing,
// --write, a second --write that changes nothing; then every framework's wired app (Express,
// Fastify, Hono, plain node:http, a CommonJS Express app, Next.js under `next dev`) runs behind the
// edge and its getUser() handler sees the user registered through the edge's proxy, null anonymous.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../src/main.ts';
import { resolvePort } from '../src/stack/ports.ts';
import { memoryIO } from './support/memory-io.ts';
import { startTestIdentity } from './support/identity.ts';
import { serveEdge } from './support/serve.ts';

// Under the checkout (.tmp/ is git-ignored) so the scratch apps resolve express, fastify, hono and
// vestibule from the workspace's node_modules.
const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SCRATCH = join(REPO, '.tmp');
mkdirSync(SCRATCH, { recursive: true });
const made: string[] = [];
after(() => {
  for (const dir of made) {
    rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
});

const APPS: Record<string, { deps: Record<string, string>; files: Record<string, string> }> = {
  express: {
    deps: { express: '^4' },
    files: {
      'server.js': `import express from 'express';

const app = express();
app.get('/', (req, res) => res.send('home'));
app.get('/notes/:id', (req, res) => res.send('note'));
app.post('/notes', (req, res) => res.send('created'));
app.get('/admin/users', (req, res) => res.send('admin'));
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
`,
    },
  },
  fastify: {
    deps: { fastify: '^5' },
    files: {
      'server.js': `import Fastify from 'fastify';

const app = Fastify();
app.get('/', async () => 'home');
app.get('/notes/:id', async () => 'note');
app.get('/static/*', async () => 'file');
await app.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
`,
    },
  },
  hono: {
    deps: { hono: '^4', '@hono/node-server': '^1' },
    files: {
      'server.js': `import { Hono } from 'hono';
import { serve } from '@hono/node-server';

const app = new Hono();
app.get('/', (c) => c.text('home'));
app.get('/reports/:year', (c) => c.text('report'));
serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: '127.0.0.1' });
`,
    },
  },
  node: {
    deps: {},
    files: {
      'index.js': `import { createServer } from 'node:http';

createServer((req, res) => res.end('hello')).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
`,
    },
  },
  // CommonJS: no "type" in package.json (scratchApp leaves it out for names ending in -cjs).
  'express-cjs': {
    deps: { express: '^4' },
    files: {
      'server.js': `const express = require('express');

const app = express();
app.get('/', (req, res) => res.send('home'));
app.get('/notes/:id', (req, res) => res.send('note'));
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
`,
    },
  },
  // Next.js in JavaScript: a tsconfig.json would make \`next dev\` install TypeScript types.
  'next-js': {
    deps: { next: '^16', react: '^19', 'react-dom': '^19' },
    files: {
      'app/layout.js': 'export default function RootLayout({ children }) { return children; }\n',
      'app/page.js': 'export default function Home() { return null; }\n',
      'app/notes/[id]/page.js': 'export default function Note() { return null; }\n',
    },
  },
  next: {
    deps: { next: '^15', react: '^19' },
    files: {
      'tsconfig.json': '{}\n',
      'app/page.tsx': 'export default function Home() { return null; }\n',
      'app/notes/[id]/page.tsx': 'export default function Note() { return null; }\n',
      'app/docs/[...slug]/page.tsx': 'export default function Docs() { return null; }\n',
      'app/(marketing)/pricing/page.tsx': 'export default function Pricing() { return null; }\n',
      'app/api/health/route.ts': 'export const GET = () => Response.json({ ok: true });\n',
    },
  },
};

function scratchApp(framework: string): string {
  const dir = mkdtempSync(join(SCRATCH, `add-auth-${framework}-`));
  made.push(dir);
  const app = APPS[framework]!;
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: `scratch-${framework}`,
        ...(framework.endsWith('-cjs') ? {} : { type: 'module' }),
        dependencies: app.deps,
      },
      null,
      2,
    ),
  );
  for (const [path, text] of Object.entries(app.files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d, { withFileTypes: true })) {
      if (name.isDirectory()) walk(join(d, name.name), `${rel}${name.name}/`);
      else out[`${rel}${name.name}`] = readFileSync(join(d, name.name), 'utf8');
    }
  };
  walk(dir, '');
  return out;
}

async function addAuth(dir: string, argv: string[] = []) {
  const io = memoryIO({}, { cwd: dir });
  const code = await main(['add-auth', ...argv], io.io);
  return { code, out: io.out(), err: io.err() };
}

async function wireAndCheckIdempotent(framework: string) {
  const dir = scratchApp(framework);
  const pristine = snapshot(dir);
  const preview = await addAuth(dir);
  assert.equal(preview.code, 0, preview.err);
  assert.match(preview.out, new RegExp(`^• ${framework.replace(/-\w+$/, '')} app`));
  assert.match(preview.out, /Nothing written \(a preview\)/);
  assert.match(preview.out, /npm install vestibule/);
  assert.deepEqual(snapshot(dir), pristine, 'the preview writes nothing');
  const written = await addAuth(dir, ['--write']);
  assert.equal(written.code, 0, written.err);
  const wired = snapshot(dir);
  assert.notDeepEqual(wired, pristine);
  const again = await addAuth(dir, ['--write']);
  assert.match(again.out, /already wired: nothing to change/);
  assert.deepEqual(snapshot(dir), wired, 'a second run changes nothing');
  return { dir, preview: preview.out, files: wired };
}

for (const framework of ['express', 'fastify', 'hono', 'node']) {
  test(`${framework}: detected, previewed as a diff, written once, idempotent`, async () => {
    const { preview, files } = await wireAndCheckIdempotent(framework);
    const entry = framework === 'node' ? 'index.js' : 'server.js';
    assert.match(
      preview,
      new RegExp(`\\+import \\{ ${framework}Auth \\} from 'vestibule/adapters/${framework}';`),
    );
    assert.match(files[entry]!, /const auth = \w+Auth\(/);
    if (framework !== 'node') assert.match(files[entry]!, /\.get\('\/api\/me', async/);
    const yaml = files['vestibule.yml']!;
    assert.match(yaml, /path: \/api\/me\n\s+mode: optional/);
    assert.match(yaml, /path: \/\n\s+mode: optional/);
    if (framework === 'express') {
      assert.match(yaml, /path: \/notes\/\*\n\s+mode: required/);
      assert.match(yaml, /path: \/admin\/users\n\s+mode: role\n\s+roles:\n\s+- admin/);
    }
    if (framework === 'fastify') assert.match(yaml, /path: \/static\/\*\*\n\s+mode: public/);
  });
}

test('next: app/ routes (dynamic, catch-all, groups) become rules; an app/api/me route shows getUser()', async () => {
  const { files } = await wireAndCheckIdempotent('next');
  assert.match(files['app/api/me/route.ts']!, /export const GET = async \(request: Request\) =>/);
  const yaml = files['vestibule.yml']!;
  for (const [path, mode] of [
    ['/notes/*', 'required'],
    ['/docs/**', 'required'],
    ['/pricing', 'required'],
    ['/api/health', 'required'],
    ['/', 'optional'],
  ]) {
    assert.match(
      yaml,
      new RegExp(`path: ${path!.replace(/\*/g, '\\*')}\\n\\s+mode: ${mode}`),
      path,
    );
  }
});

test('express (CommonJS): wired with import() — require() of the ES-only package would fail', async () => {
  const { files } = await wireAndCheckIdempotent('express-cjs');
  const entry = files['server.js']!;
  assert.match(
    entry,
    /const express = require\('express'\);\n\n\/\/ Identity from the edge's signed headers/,
    'the wiring follows the last require()',
  );
  assert.match(
    entry,
    /const auth = Promise\.all\(\[import\('vestibule'\), import\('vestibule\/adapters\/express'\)\]\)/,
  );
  assert.doesNotMatch(entry, /^import /m, 'no import statement in a CommonJS file');
  assert.match(
    entry,
    /app\.get\('\/api\/me', async \(req, res\) => res\.json\(\{ user: await \(await auth\)\.getUser\(req\) \}\)\);/,
  );
});

test('node: the request handler is wrapped so /api/me answers getUser() first', async () => {
  const { files } = await wireAndCheckIdempotent('node');
  const entry = files['index.js']!;
  assert.match(entry, /const withAuthExample = \(handler\) => async \(req, res\) => \{/);
  assert.match(
    entry,
    /createServer\(withAuthExample\(\(req, res\) => res\.end\('hello'\)\)\)\.listen\(/,
  );
});

test('node (CommonJS): createServer(options, handler) — the handler, not the options, is wrapped', async () => {
  const dir = scratchApp('express-cjs');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'plain-cjs' }));
  rmSync(join(dir, 'server.js'));
  writeFileSync(
    join(dir, 'index.js'),
    "const http = require('node:http');\n\nconst server = http.createServer({ keepAliveTimeout: 5000 }, function handle(req, res) {\n  res.end('hello');\n});\nserver.listen(3000);\n",
  );
  assert.equal((await addAuth(dir, ['--write'])).code, 0);
  const entry = readFileSync(join(dir, 'index.js'), 'utf8');
  assert.match(
    entry,
    /createServer\(\{ keepAliveTimeout: 5000 \}, withAuthExample\(function handle\(req, res\) \{\n {2}res\.end\('hello'\);\n\}\)\);/,
  );
  assert.match(entry, /const user = await \(await auth\)\.getUser\(req\);/);
  assert.doesNotMatch(entry, /\n\n\n/, 'no doubled blank lines');
});

// ---- the wired apps behind the edge ----------------------------------------------------------

let identity: Awaited<ReturnType<typeof startTestIdentity>>;
let edgePort: number;
before(async () => {
  edgePort = await resolvePort('127.0.0.1', 0);
  identity = await startTestIdentity(`http://127.0.0.1:${edgePort}`);
});
after(() => identity.close());

/** The environment without this suite's source condition: the app loads vestibule's built dist/ as an installed package would. */
function installedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1', ...extra };
  delete env.NODE_OPTIONS;
  return env;
}

const ENTRY: Record<string, string> = { node: 'index.js' };

/**
 * The wired app on `port`. ES apps run with the suite's loader (vestibule's sources); the CommonJS
 * app runs on plain node with the built package, so nothing transforms its require()/import().
 */
function startApp(
  dir: string,
  framework: string,
  port: number,
  secret: string,
): Promise<ChildProcess> {
  const entry = ENTRY[framework] ?? 'server.js';
  const plain = framework.endsWith('-cjs');
  const child = spawn(process.execPath, plain ? [entry] : ['--import', 'tsx', entry], {
    cwd: dir,
    env: plain
      ? installedEnv({ PORT: String(port), VESTIBULE_HEADER_SECRET: secret })
      : { ...process.env, PORT: String(port), VESTIBULE_HEADER_SECRET: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return whenAnswering(child, `http://127.0.0.1:${port}/`, 600);
}

/** Ready when it answers: poll (no fixed sleep; fails if the process exits first). */
function whenAnswering(child: ChildProcess, url: string, attempts: number): Promise<ChildProcess> {
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  // Ready when it answers: poll the socket (no fixed sleep; fails if the process exits first).
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`app exited ${code}: ${output}`)));
    let tried = 0;
    const poll = (): Promise<void> =>
      fetch(url)
        .then(async (response) => {
          await response.body?.cancel();
          resolve(child);
        })
        .catch(() => {
          if (++tried > attempts) reject(new Error(`app never answered at ${url}: ${output}`));
          else setTimeout(() => void poll(), 200);
        });
    void poll();
  });
}

async function registerThroughEdge(edge: string, email: string): Promise<string> {
  const flow = (await (await fetch(`${edge}/api/ory/self-service/registration/api`)).json()) as {
    ui: { action: string };
  };
  const action = new URL(flow.ui.action);
  const response = await fetch(`${edge}${action.pathname}${action.search}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({
      method: 'password',
      traits: { email },
      password: 'add-auth test password 4711',
    }),
  });
  const body = (await response.json()) as { session_token?: string };
  assert.equal(response.status, 200, JSON.stringify(body));
  return body.session_token!;
}

async function behindTheEdge(dir: string, appPort: number, secret: string, email: string) {
  const edge = await serveEdge({
    cwd: dir,
    config: 'vestibule.yml',
    port: edgePort,
    env: {
      VESTIBULE_KRATOS_PUBLIC_URL: identity.publicURL,
      VESTIBULE_UPSTREAM_URL: `http://127.0.0.1:${appPort}`,
      VESTIBULE_HEADER_SECRET: secret,
    },
  });
  try {
    const anonymous = await fetch(`${edge.url}/api/me`, {
      headers: { accept: 'application/json' },
    });
    assert.deepEqual(await anonymous.json(), { user: null });
    const token = await registerThroughEdge(edge.url, email);
    const me = await fetch(`${edge.url}/api/me`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    const body = (await me.json()) as { user: { email: string } | null };
    assert.equal(body.user?.email, email);
    const direct = await fetch(`http://127.0.0.1:${appPort}/api/me`, {
      headers: { 'x-user-email': email },
    });
    assert.deepEqual(
      await direct.json(),
      { user: null },
      'unsigned headers straight to the app: nobody',
    );
    return edge;
  } catch (err) {
    await edge.stop();
    throw err;
  }
}

for (const framework of ['express', 'fastify', 'hono', 'node', 'express-cjs']) {
  test(`${framework}: the wired app behind the edge — getUser() sees the signed-in user, null when anonymous`, async () => {
    const { dir } = await wireAndCheckIdempotent(framework);
    const secret = `add-auth-${framework}-secret-${'x'.repeat(24)}`;
    const appPort = await resolvePort('127.0.0.1', 0);
    const app = await startApp(dir, framework, appPort, secret);
    try {
      const edge = await behindTheEdge(dir, appPort, secret, `${framework}@example.com`);
      if (framework.startsWith('express')) {
        // A required route (GET /notes/:id → /notes/*) anonymous: the edge answers 401.
        const note = await fetch(`${edge.url}/notes/1`, {
          headers: { accept: 'application/json' },
        });
        assert.equal(note.status, 401);
      }
      assert.equal(await edge.stop(), 0);
    } finally {
      app.kill('SIGTERM');
    }
  });
}

test('next (app router, next dev): the wired route handler behind the edge — getUser() sees the user', async () => {
  const { dir, files } = await wireAndCheckIdempotent('next-js');
  assert.match(files['app/api/me/route.js']!, /export const GET = async \(request\) =>/);
  const secret = `add-auth-next-secret-${'x'.repeat(24)}`;
  const appPort = await resolvePort('127.0.0.1', 0);
  const next = fileURLToPath(new URL('../../../node_modules/next/dist/bin/next', import.meta.url));
  // Its own process group: `next dev` starts workers, all stopped together.
  const child = spawn(process.execPath, [next, 'dev', '-H', '127.0.0.1', '-p', String(appPort)], {
    cwd: dir,
    env: installedEnv({ VESTIBULE_HEADER_SECRET: secret }),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  try {
    // The first request compiles the route (seconds): wait on /api/me itself.
    await whenAnswering(child, `http://127.0.0.1:${appPort}/api/me`, 900);
    const edge = await behindTheEdge(dir, appPort, secret, 'next@example.com');
    const note = await fetch(`${edge.url}/notes/1`, { headers: { accept: 'application/json' } });
    assert.equal(note.status, 401, 'app/notes/[id] is a required route');
    assert.equal(await edge.stop(), 0);
  } finally {
    await stopGroup(child);
  }
});

/**
 * Stops `next dev` and its workers (one process group) and waits for the leader to exit, so the
 * scratch directory is not removed while they still write `.next/` (ENOTEMPTY) and no pipe keeps
 * this file's event loop alive after its last test.
 */
async function stopGroup(child: ChildProcess): Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // The group is already gone.
    }
  };
  signal('SIGTERM');
  const killer = setTimeout(() => signal('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
  signal('SIGKILL'); // workers that outlived their leader
  child.stdout?.destroy();
  child.stderr?.destroy();
}

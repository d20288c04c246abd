// `vestibule add-auth` per framework on a scratch app: detection, a diff preview that writes nothing,
// --write, a second --write that changes nothing; then (Express, Fastify, Hono) the wired app runs
// behind the edge and its getUser() handler sees the user registered through the edge's proxy.
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
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
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

createServer((req, res) => res.end('hello')).listen(3000);
`,
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
      { name: `scratch-${framework}`, type: 'module', dependencies: app.deps },
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
  assert.match(preview.out, new RegExp(`^• ${framework} app`));
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

test('a CommonJS entry is refused with what to do, and nothing is written', async () => {
  const dir = scratchApp('express');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ dependencies: { express: '^4' } }));
  writeFileSync(
    join(dir, 'server.js'),
    "const express = require('express');\nconst app = express();\napp.listen(3000);\n",
  );
  const before = snapshot(dir);
  const result = await addAuth(dir, ['--write']);
  assert.equal(result.code, 1);
  assert.match(
    result.err,
    /server\.js is CommonJS: vestibule is an ES module; set "type": "module"/,
  );
  assert.deepEqual(snapshot(dir), before);
});

// ---- the wired apps behind the edge ----------------------------------------------------------

let identity: Awaited<ReturnType<typeof startTestIdentity>>;
let edgePort: number;
before(async () => {
  edgePort = await resolvePort('127.0.0.1', 0);
  identity = await startTestIdentity(`http://127.0.0.1:${edgePort}`);
});
after(() => identity.close());

function startApp(dir: string, port: number, secret: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server.js'], {
    cwd: dir,
    env: { ...process.env, PORT: String(port), VESTIBULE_HEADER_SECRET: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  // Ready when it answers: poll the socket (no fixed sleep; fails if the process exits first).
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`app exited ${code}: ${output}`)));
    let attempts = 0;
    const poll = (): Promise<void> =>
      fetch(`http://127.0.0.1:${port}/`)
        .then(() => resolve(child))
        .catch(() => {
          if (++attempts > 600) reject(new Error(`app never answered on ${port}: ${output}`));
          else setTimeout(() => void poll(), 100);
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

for (const framework of ['express', 'fastify', 'hono']) {
  test(`${framework}: the wired app behind the edge — getUser() sees the signed-in user, null when anonymous`, async () => {
    const { dir } = await wireAndCheckIdempotent(framework);
    const secret = `add-auth-${framework}-secret-${'x'.repeat(24)}`;
    const appPort = await resolvePort('127.0.0.1', 0);
    const app = await startApp(dir, appPort, secret);
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
      const email = `${framework}@example.com`;
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
    } finally {
      assert.equal(await edge.stop(), 0);
      app.kill('SIGTERM');
    }
  });
}

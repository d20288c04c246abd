#!/usr/bin/env node
// Run by scripts/build.mjs after the build (so by `npm ci` too): makes the migrated PGlite
// templates (@vestibule/server-kit/pglite-template) of the identity server, the demo app, the edge
// store and the OAuth2 server, so the first `npm start` of a fresh clone copies four data
// directories instead of running initdb and every migration four times (about 5 s of it on a quiet
// 2-core machine). One child process per template, two at a time (they are CPU-bound and
// single-threaded). Never fails the build: a template that cannot be made now is made by the first
// start instead, and one made for another schema is told apart by its key and rebuilt.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const TEMPLATES = [
  ['identity server', 'packages/identity-server/dist/persistence/template.js', 'identityTemplate'],
  ['demo app', 'packages/demo-app/dist/db.js', 'notesTemplate'],
  ['edge store', 'packages/vestibule/dist/store/database.js', 'edgeStoreTemplate'],
  ['oauth2 server', 'packages/oauth2-server/dist/persistence/template.js', 'oauth2Template'],
];
const PARALLEL = 2;
const TIMEOUT_MS = 180_000;

if (process.env.VESTIBULE_PGLITE_TEMPLATE_CACHE === '0') {
  console.log('• PGlite templates not prepared (VESTIBULE_PGLITE_TEMPLATE_CACHE=0)');
  process.exit(0);
}

/** One template in its own process; resolves to a line for the log, never rejects. */
function prepare([label, file, name]) {
  const path = join(root, file);
  if (!existsSync(path)) return Promise.resolve(`! ${label}: ${file} is not built`);
  const started = Date.now();
  const script = `const m = await import(${JSON.stringify(pathToFileURL(path).href)});
const r = await m[${JSON.stringify(name)}].prepare();
console.log(JSON.stringify(r));`;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: TIMEOUT_MS,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', (error) => resolve(`! ${label}: ${error.message}`));
    child.on('close', (code, signal) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (code !== 0) {
        const why = signal ?? err.trim().split('\n').slice(-1)[0] ?? `exit ${code}`;
        return resolve(`! ${label} template not prepared (${why}); the first start makes it`);
      }
      try {
        const result = JSON.parse(out.trim().split('\n').pop() ?? '{}');
        if (!result.file) return resolve(`• ${label}: no template cache directory (${seconds}s)`);
        resolve(`✓ ${label} template ${result.built ? 'prepared' : 'already there'} (${seconds}s)`);
      } catch {
        resolve(`✓ ${label} template prepared (${seconds}s)`);
      }
    });
  });
}

const queue = [...TEMPLATES];
const lines = [];
await Promise.all(
  Array.from({ length: PARALLEL }, async () => {
    for (let next = queue.shift(); next; next = queue.shift()) lines.push(await prepare(next));
  }),
);
for (const line of lines) console.log(line);

#!/usr/bin/env node
// The one test command (`npm test`): typecheck, lint, then every *.test.ts through Node's own
// test runner (tsx loads TypeScript). Node 20's `--test` does not expand globs, so we find files here.
//   npm test                      everything (what CI runs)
//   npm test -- --no-check        skip typecheck and lint
//   npm test -- proxy gateway     only test files whose path contains one of the words
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const skipChecks = args.includes('--no-check');
const filters = args.filter((a) => !a.startsWith('--'));

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

// The workspace packages export their TypeScript sources under this condition (and built dist/
// otherwise), so tests — and every process they spawn — run the code as it is in src/.
const SOURCE_CONDITION = '--conditions=@vestibule/source';
const testEnv = {
  ...process.env,
  NODE_OPTIONS: [process.env.NODE_OPTIONS, SOURCE_CONDITION].filter(Boolean).join(' '),
};

function run(label, cmd, cmdArgs) {
  console.log(`\n▶ ${label}: ${cmd} ${cmdArgs.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env: testEnv });
  console.log(`  ${label} finished in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  if (result.status !== 0) {
    console.error(`✗ ${label} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

function runAsync(label, cmd, cmdArgs) {
  console.log(`\n▶ ${label}: ${cmd} ${cmdArgs.join(' ')}`);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
    child.on('exit', (code, signal) => {
      console.log(`  ${label} finished in ${((Date.now() - started) / 1000).toFixed(1)}s`);
      if (code !== 0) console.error(`✗ ${label} failed (exit ${code ?? signal})`);
      resolve(code === 0);
    });
  });
}

if (!skipChecks) {
  // Typecheck and lint are single-threaded and independent: on a 2-core machine they run side by side.
  await Promise.all([
    runAsync('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json']),
    runAsync('lint', 'npx', ['eslint', '--max-warnings=0', '.']),
  ]).then((results) => {
    if (results.some((ok) => !ok)) process.exit(1);
  });
}

const roots = ['packages', 'test']
  .map((d) => join(root, d))
  .filter((d) => {
    try {
      return statSync(d).isDirectory();
    } catch {
      return false;
    }
  });
let files = roots.flatMap((d) => findTests(d)).sort();
if (filters.length) files = files.filter((f) => filters.some((w) => f.includes(w)));
if (files.length === 0) {
  console.error('✗ no test files found');
  process.exit(1);
}
// The consumer tests (test/consumer/) build, pack and install the packages and run a Next.js
// build: minutes of CPU that would starve the rest of the suite on a 2-core machine, and more than
// the per-file timeout. They run on their own afterwards, with a timeout of their own.
const heavy = files.filter((f) => f.startsWith('test/consumer/'));
const light = files.filter((f) => !heavy.includes(f));
const testArgs = (timeoutMs, list) => [
  '--import',
  'tsx',
  '--test',
  '--test-concurrency=2',
  `--test-timeout=${timeoutMs}`,
  ...list,
];
if (light.length) {
  console.log(`\n▶ ${light.length} test files`);
  run('tests', process.execPath, testArgs(120_000, light));
}
if (heavy.length) {
  console.log(`\n▶ ${heavy.length} consumer test files`);
  run('consumer tests', process.execPath, testArgs(300_000, heavy));
}

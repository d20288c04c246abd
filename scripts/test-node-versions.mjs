#!/usr/bin/env node
// `npm run test:node`: the test suite (without typecheck and lint, which do not depend on the
// runtime) under other Node majors than the one installed, since Vestibule promises Node 20, 22 and
// 24 alike (package.json `engines`). The Node binaries come from the `node-<platform>-<arch>`
// packages of the npm registry you already use, cached under node_modules/.cache/vestibule-node/.
//   npm run test:node                   Node 22 and 24, every test
//   npm run test:node -- 24 gateway     Node 24, only test files whose path contains "gateway"
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const cache = join(root, 'node_modules', '.cache', 'vestibule-node');
const args = process.argv.slice(2);
const majors = args.filter((a) => /^\d+$/.test(a));
const filters = args.filter((a) => !/^\d+$/.test(a));
const platform = process.platform === 'win32' ? 'win' : process.platform;
const packageName = `node-${platform}-${process.arch}`;

function fail(message) {
  console.error(`✗ ${message}`);
  process.exit(1);
}

function npm(npmArgs, options = {}) {
  const result = spawnSync('npm', npmArgs, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    fail(`npm ${npmArgs.join(' ')} failed:\n${(result.stderr || result.stdout || '').trim()}`);
  }
  return result.stdout;
}

/** The newest published version of that major, e.g. "24.22.3". */
function latestOf(major) {
  const listed = JSON.parse(
    npm(['view', `${packageName}@${major}`, 'version', '--json']) || 'null',
  );
  const versions = (Array.isArray(listed) ? listed : [listed]).filter(Boolean);
  if (versions.length === 0) fail(`no ${packageName} package for Node ${major}`);
  return versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1);
}

/** Path of a cached binary for that version, fetched and unpacked on first use. */
function nodeBinary(version) {
  const dir = join(cache, version);
  const bin = join(dir, 'package', 'bin', platform === 'win' ? 'node.exe' : 'node');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  console.log(`  fetching ${packageName}@${version} …`);
  npm(['pack', `${packageName}@${version}`, '--pack-destination', dir, '--silent']);
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tarball) fail(`npm pack left no tarball in ${dir}`);
  const untar = spawnSync('tar', ['xzf', tarball], { cwd: dir, stdio: 'inherit' });
  if (untar.status !== 0 || !existsSync(bin)) fail(`could not unpack ${tarball} into ${dir}`);
  return bin;
}

const results = [];
for (const major of majors.length ? majors : ['22', '24']) {
  console.log(`\n▶ Node ${major}`);
  const bin = nodeBinary(latestOf(major));
  const version = spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`  ${bin} (${version})`);
  const started = Date.now();
  // Tests that spawn `node` by name must get this one too: put it first on PATH.
  const env = { ...process.env, PATH: `${join(bin, '..')}${delimiter}${process.env.PATH}` };
  const run = spawnSync(bin, [join(root, 'scripts', 'test.mjs'), '--no-check', ...filters], {
    cwd: root,
    env,
    stdio: 'inherit',
  });
  results.push({ version, ok: run.status === 0, seconds: (Date.now() - started) / 1000 });
}

console.log('\n▶ summary');
for (const r of results) {
  console.log(
    `  ${r.ok ? '✓' : '✗'} Node ${r.version}: ${r.ok ? 'passed' : 'FAILED'} in ${r.seconds.toFixed(0)}s`,
  );
}
process.exit(results.every((r) => r.ok) ? 0 : 1);

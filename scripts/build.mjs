#!/usr/bin/env node
// `npm run build` (and npm's `prepare`, so `npm ci` leaves every package runnable with plain Node):
// each package's src/ → dist/ (ES modules, .d.ts, source maps) through `tsc -b`, then the files
// tsc does not emit — worker scripts loaded by path at run time — copied beside their modules.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const started = Date.now();
const tsc = spawnSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (tsc.status !== 0) {
  console.error('✗ build failed: tsc -b tsconfig.build.json');
  process.exit(tsc.status ?? 1);
}

/** Every `.mjs` under a package's src/, copied to the same place under dist/. */
function copyAssets(src, dist) {
  for (const name of readdirSync(src)) {
    const path = join(src, name);
    if (statSync(path).isDirectory()) copyAssets(path, join(dist, name));
    else if (name.endsWith('.mjs')) {
      mkdirSync(dist, { recursive: true });
      copyFileSync(path, join(dist, name));
    }
  }
}
/**
 * Outputs whose source is gone (a moved or deleted module): tsc -b never removes them, and a stale
 * module in dist/ would ship in the tarball and stay importable.
 */
function pruneStale(dist, src) {
  for (const name of readdirSync(dist)) {
    const path = join(dist, name);
    if (statSync(path).isDirectory()) {
      if (existsSync(join(src, name))) pruneStale(path, join(src, name));
      else rmSync(path, { recursive: true });
      continue;
    }
    const stem = name.replace(/(\.d)?\.(js|ts|mjs)(\.map)?$/, '');
    if (stem === name) continue; // .tsbuildinfo and the like
    const sources = [`${stem}.ts`, `${stem}.mjs`, `${stem}.d.ts`];
    if (!sources.some((source) => existsSync(join(src, source)))) rmSync(path);
  }
}

for (const pkg of readdirSync(join(root, 'packages'))) {
  const src = join(root, 'packages', pkg, 'src');
  const dist = join(root, 'packages', pkg, 'dist');
  if (!existsSync(dist)) continue;
  pruneStale(dist, src);
  copyAssets(src, dist);
}
console.log(
  `✓ built ${relative(process.cwd(), join(root, 'packages')) || '.'}/*/dist in ${((Date.now() - started) / 1000).toFixed(1)}s`,
);

// The migrated PGlite templates a first `npm start` seeds its databases from (prepare-templates.mjs
// never fails the build; `--no-templates` skips them, for a build that is only about the code).
if (!process.argv.includes('--no-templates')) {
  spawnSync(process.execPath, [join(root, 'scripts/prepare-templates.mjs')], {
    cwd: root,
    stdio: 'inherit',
  });
}

#!/usr/bin/env node
// `npm run build` (and npm's `prepare`, so `npm ci` leaves every package runnable with plain Node):
// each package's src/ → dist/ (ES modules, .d.ts, source maps) through `tsc -b`, then the files
// tsc does not emit — worker scripts loaded by path at run time — copied beside their modules.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
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
for (const pkg of readdirSync(join(root, 'packages'))) {
  copyAssets(join(root, 'packages', pkg, 'src'), join(root, 'packages', pkg, 'dist'));
}
console.log(
  `✓ built ${relative(process.cwd(), join(root, 'packages')) || '.'}/*/dist in ${((Date.now() - started) / 1000).toFixed(1)}s`,
);

// `npm run bench`: runs every bench/*.bench.ts (or those whose name contains an argument), one at a
// time, each in its own process so one benchmark's servers and JIT state cannot skew the next.
// Each benchmark measures its baseline and its subject side by side in the same run and prints ratios.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const dir = fileURLToPath(new URL('.', import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();

if (files.length === 0) {
  console.error('no benchmarks found');
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  console.log(`\n▶ ${file}`);
  // The workspace packages' TypeScript sources (their `@vestibule/source` export condition), in this
  // process and every one a bench forks.
  const NODE_OPTIONS = [process.env.NODE_OPTIONS, '--conditions=@vestibule/source'].filter(Boolean);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(dir, file)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: NODE_OPTIONS.join(' ') },
  });
  if (result.status !== 0) {
    failed++;
    console.error(`✗ ${file} failed (exit ${result.status ?? result.signal})`);
  }
}
process.exit(failed ? 1 : 0);

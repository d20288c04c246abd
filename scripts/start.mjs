// `npm start` (`vestibule up`): runs the built CLI (dist/, plain Node) when every package's build is
// newer than its sources, and the TypeScript sources through tsx otherwise. Transpiling the whole
// stack at start cost about 2–3 s of CPU (identity server, demo app and edge imports: 1.6 s, 1.2 s and
// 1.6 s of CPU from sources against 0.6 s, 0.3 s and 0.7 s built), most of `npm start`'s time on a
// 2-core machine. A fresh clone is built by `npm ci` (prepare); after editing a source file the
// sources are run (and it says so) until `npm run build`.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = [
  'server-kit',
  'vestibule',
  'identity-server',
  'oauth2-server',
  'demo-app',
  'rp-demo',
  'cli',
];

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

function built(pkg) {
  try {
    const info = statSync(join(root, 'packages', pkg, 'dist', '.tsbuildinfo')).mtimeMs;
    return newest(join(root, 'packages', pkg, 'src')) <= info;
  } catch {
    return false;
  }
}

const args = process.argv.slice(2);
const stale = packages.filter((pkg) => !built(pkg));
const command = stale.length
  ? ['--conditions=@vestibule/source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts')]
  : [join(root, 'packages/cli/bin/vestibule.js')];
if (stale.length) {
  process.stderr.write(
    `• running from TypeScript sources (${stale.join(', ')} changed since the last build; ` +
      '`npm run build` makes the start faster)\n',
  );
}
const child = spawn(process.execPath, [...command, ...args], { stdio: 'inherit' });
// Ctrl-C reaches the child through the terminal's process group; a signal sent to this process
// alone (kill, a supervisor) is passed on, so the stack still stops gracefully.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});

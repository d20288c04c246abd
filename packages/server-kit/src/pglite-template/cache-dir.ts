// Where migrated templates are kept between processes: <tmp>/vestibule-<user>/, a directory only
// this user can write, so another account on a shared machine cannot plant a database for us to
// load. VESTIBULE_PGLITE_TEMPLATE_CACHE=0 turns the file cache off (templates then live per process).
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';

/** The per-user cache directory, or undefined when it is off or not safely ours. */
export function templateCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.VESTIBULE_PGLITE_TEMPLATE_CACHE === '0') return undefined;
  try {
    const user = userInfo();
    const dir = join(tmpdir(), `vestibule-${user.username.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stats = statSync(dir);
    if (stats.uid !== user.uid || (stats.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

let version: string | undefined;

/**
 * The installed PGlite's version: a dump is only loadable by the PGlite that made it. Its
 * package.json is not in its `exports`, so it is found by walking up from its entry.
 */
export function pgliteVersion(): string {
  if (version) return version;
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === '@electric-sql/pglite' && pkg.version)
        return (version = pkg.version.replace(/[^0-9A-Za-z.-]/g, '_'));
    } catch {
      // keep walking up
    }
  }
  return (version = 'unknown');
}

/**
 * Drops a template's other versions (`<name>-<other key>.tar` and `.d/`): 10–40 MB each, never read
 * again once the schema or PGlite moved on. Half-written files of dead processes go too.
 */
export function pruneOtherVersions(dir: string, name: string, keep: string): void {
  const ours = new RegExp(
    `^${name.replace(/[^A-Za-z0-9]/g, '\\$&')}-([0-9a-f]{16})\\.(tar|d)(\\..+)?$`,
  );
  try {
    for (const entry of readdirSync(dir)) {
      const match = ours.exec(entry);
      if (!match || (match[1] === keep && !match[3])) continue;
      const partialOf = match[3] && /\.(\d+)\.partial$/.exec(match[3]);
      if (partialOf && processAlive(Number(partialOf[1]))) continue;
      rmSync(join(dir, entry), { recursive: true, force: true });
    }
  } catch {
    // Pruning only saves disk space.
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

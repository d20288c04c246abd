// PGlite's initdb costs seconds (far more on a busy machine); loading a dump of a freshly
// initialised, empty data directory skips it. The dump is kept per process and, for the next
// processes (each test file is one), in a per-user cache directory only this user can write.
// Only used for in-memory databases; tables are created after loading, so the dump is schema-free
// and keyed by the PGlite version alone. VESTIBULE_PGLITE_TEMPLATE_CACHE=0 disables the file cache.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

let inProcess: Promise<Blob> | undefined;

/** A fresh in-memory PGlite, started from the cached empty data directory when possible. */
export async function freshMemoryPGlite(): Promise<PGlite> {
  try {
    return await PGlite.create({ loadDataDir: await blankTemplate() });
  } catch {
    inProcess = undefined; // a damaged cache costs one slow start, never a failure
    return PGlite.create();
  }
}

/** The dump of a freshly initialised, empty data directory (cached per process and per user). */
export function blankTemplate(): Promise<Blob> {
  inProcess ??= loadOrBuild();
  return inProcess;
}

async function loadOrBuild(): Promise<Blob> {
  const file = cacheFile();
  if (file) {
    try {
      return new Blob([readFileSync(file)]);
    } catch {
      // not cached yet
    }
  }
  const seed = await PGlite.create();
  const dump = await seed.dumpDataDir('none');
  await seed.close();
  if (file) {
    try {
      // Write then rename: a concurrent process never reads a half-written file.
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, Buffer.from(await dump.arrayBuffer()), { mode: 0o600 });
      renameSync(partial, file);
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }
  return dump;
}

function cacheFile(): string | undefined {
  if (process.env.VESTIBULE_PGLITE_TEMPLATE_CACHE === '0') return undefined;
  try {
    const user = userInfo();
    const dir = join(tmpdir(), `vestibule-${user.username.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stats = statSync(dir);
    // Another account must not be able to plant a database for us to load.
    if (stats.uid !== user.uid || (stats.mode & 0o022) !== 0) return undefined;
    return join(dir, `pglite-blank-${pgliteVersion()}.tar`);
  } catch {
    return undefined;
  }
}

/** The installed PGlite's version (its package.json is not in its `exports`, so find it by path). */
function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (let i = 0; i < 4; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === '@electric-sql/pglite' && pkg.version)
        return pkg.version.replace(/[^0-9A-Za-z.-]/g, '_');
    } catch {
      // keep walking up
    }
  }
  throw new Error('PGlite version not found');
}

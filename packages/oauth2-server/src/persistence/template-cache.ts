// A migrated, empty PGlite data directory, dumped once and reused for the "memory" DSN: PGlite's
// initdb costs seconds (tens of seconds on a loaded machine), loading a dump skips it. Kept per
// process and, for the next processes, in a per-user cache directory (the identity server does the
// same for its own schema; the file names differ so neither prunes the other's).
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { migrate, SCHEMA_VERSION } from './migrations.ts';
import type { Database } from './tables.ts';

let inProcess: Promise<Blob> | undefined;

export function migratedTemplate(): Promise<Blob> {
  inProcess ??= loadOrBuild().catch((err: unknown) => {
    inProcess = undefined;
    throw err;
  });
  return inProcess;
}

function pgliteVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (require('@electric-sql/pglite/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * <tmp>/vestibule-<user>/oauth2-pglite-<fingerprint>.tar, in a directory only this user can write
 * (another account must not plant a database for us to load). Off with VESTIBULE_PGLITE_TEMPLATE_CACHE=0.
 */
function cacheFile(): string | undefined {
  if (process.env.VESTIBULE_PGLITE_TEMPLATE_CACHE === '0') return undefined;
  try {
    const user = userInfo();
    const dir = join(tmpdir(), `vestibule-${user.username.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stats = statSync(dir);
    if (stats.uid !== user.uid || (stats.mode & 0o022) !== 0) return undefined;
    const key = createHash('sha256')
      .update(`${pgliteVersion()}|${SCHEMA_VERSION}`)
      .digest('hex')
      .slice(0, 16);
    return join(dir, `oauth2-pglite-${key}.tar`);
  } catch {
    return undefined;
  }
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
  let template: Blob;
  try {
    await migrate(new Kysely<Database>({ dialect: new PGliteDialect(seed) }));
    template = await seed.dumpDataDir('none');
  } finally {
    await seed.close();
  }
  if (file) {
    try {
      // Write then rename: concurrent processes never read a half-written file.
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, Buffer.from(await template.arrayBuffer()), { mode: 0o600 });
      renameSync(partial, file);
      for (const name of readdirSync(dirname(file))) {
        if (/^oauth2-pglite-[0-9a-f]{16}\.tar$/.test(name) && join(dirname(file), name) !== file)
          rmSync(join(dirname(file), name), { force: true });
      }
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }
  return template;
}

/** Drops a cached template that failed to load (e.g. truncated), so the next start rebuilds it. */
export function forgetCachedTemplate(): void {
  inProcess = undefined;
  const file = cacheFile();
  if (file) rmSync(file, { force: true });
}

// A migrated, empty edge-store data directory, dumped once and reused: PGlite's initdb costs seconds
// (about 12 s of a loaded 2-core machine's first `vestibule up`, against under 1 s to open an
// existing directory). A new PGlite store starts from the dump instead. Kept in memory per process
// and, for the next processes, in a per-user cache directory only this user can write (another
// account on a shared machine must not plant a database for us to load). Disabled with
// VESTIBULE_PGLITE_TEMPLATE_CACHE=0, like the identity server's.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { cp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

let inProcess: Promise<Blob> | undefined;

/** The dump of a fresh PGlite after `migrate`; built at most once per process. */
export function migratedStoreTemplate(
  fingerprint: string,
  migrate: (db: PGlite) => Promise<void>,
): Promise<Blob> {
  inProcess ??= loadOrBuild(fingerprint, migrate).catch((err: unknown) => {
    inProcess = undefined;
    throw err;
  });
  return inProcess;
}

/** A cached template that failed to load (e.g. truncated): dropped, so the next open rebuilds it. */
export function forgetStoreTemplate(fingerprint: string): void {
  inProcess = undefined;
  const file = cacheFile(fingerprint);
  if (!file) return;
  rmSync(file, { force: true });
  rmSync(file.replace(/\.tar$/, '.d'), { recursive: true, force: true });
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
 * Seeds an empty directory with a migrated store by copying a cached, already extracted data
 * directory (a native file copy): loading the dump into a directory goes through PGlite's
 * JavaScript file system, file by file, and cost about 2 s of a loaded machine's first start.
 * False when there is no usable cache directory: the caller loads the dump instead.
 */
export async function copyStoreTemplate(
  fingerprint: string,
  migrate: (db: PGlite) => Promise<void>,
  target: string,
): Promise<boolean> {
  const file = cacheFile(fingerprint);
  if (!file) return false;
  const extracted = file.replace(/\.tar$/, '.d');
  if (!existsSync(extracted)) {
    const partial = `${extracted}.${process.pid}.partial`;
    rmSync(partial, { recursive: true, force: true });
    const db = await PGlite.create({
      dataDir: partial,
      loadDataDir: await migratedStoreTemplate(fingerprint, migrate),
    });
    await db.close();
    try {
      renameSync(partial, extracted);
    } catch {
      // Another process extracted it first: theirs is as good.
      rmSync(partial, { recursive: true, force: true });
    }
  }
  await cp(extracted, target, { recursive: true });
  return true;
}

function cacheFile(fingerprint: string): string | undefined {
  if (process.env.VESTIBULE_PGLITE_TEMPLATE_CACHE === '0') return undefined;
  try {
    const user = userInfo();
    const dir = join(tmpdir(), `vestibule-${user.username.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stats = statSync(dir);
    if (stats.uid !== user.uid || (stats.mode & 0o022) !== 0) return undefined;
    const key = createHash('sha256')
      .update(`${pgliteVersion()}|${fingerprint}`)
      .digest('hex')
      .slice(0, 16);
    return join(dir, `edge-store-${key}.tar`);
  } catch {
    return undefined;
  }
}

async function loadOrBuild(
  fingerprint: string,
  migrate: (db: PGlite) => Promise<void>,
): Promise<Blob> {
  const file = cacheFile(fingerprint);
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
    await migrate(seed);
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
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }
  return template;
}

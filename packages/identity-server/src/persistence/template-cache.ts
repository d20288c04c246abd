// A migrated, empty PGlite data directory, dumped once and reused: PGlite's initdb costs seconds,
// loading a dump skips it. Kept in memory per process and, for the next processes (every test
// file runs in its own), in a per-user cache directory. Only ever used for the "memory" DSN.
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
import { MIGRATIONS_FINGERPRINT, migrateToLatest } from './migrations.ts';

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
 * <tmp>/vestibule-<user>/pglite-<fingerprint>.tar, in a directory only this user can write, so
 * another account on a shared machine cannot plant a database for us to load. Disabled with
 * VESTIBULE_PGLITE_TEMPLATE_CACHE=0.
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
      .update(`${pgliteVersion()}|${MIGRATIONS_FINGERPRINT}`)
      .digest('hex')
      .slice(0, 16);
    return join(dir, `pglite-${key}.tar`);
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
  const template = await build();
  if (file) {
    try {
      // Write then rename: concurrent processes never read a half-written file.
      const partial = `${file}.${process.pid}.partial`;
      writeFileSync(partial, Buffer.from(await template.arrayBuffer()), { mode: 0o600 });
      renameSync(partial, file);
      pruneOtherTemplates(file);
    } catch {
      // A cache that cannot be written only costs speed.
    }
  }
  return template;
}

/** Templates of older migrations or PGlite versions are 40 MB each and never read again. */
function pruneOtherTemplates(keep: string): void {
  const dir = dirname(keep);
  for (const name of readdirSync(dir)) {
    if (/^pglite-[0-9a-f]{16}\.tar$/.test(name) && join(dir, name) !== keep)
      rmSync(join(dir, name), { force: true });
  }
}

async function build(): Promise<Blob> {
  const seed = await PGlite.create();
  try {
    await migrateToLatest(new Kysely<unknown>({ dialect: new PGliteDialect(seed) }));
    return await seed.dumpDataDir('none');
  } finally {
    await seed.close();
  }
}

/** Drops a cached template that failed to load (e.g. truncated), so the next start rebuilds it. */
export function forgetCachedTemplate(): void {
  inProcess = undefined;
  const file = cacheFile();
  if (file) rmSync(file, { force: true });
}

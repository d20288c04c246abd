// A migrated, empty PGlite database, made once and reused by every new database of that schema:
// PGlite's initdb plus the migrations cost seconds (tens of seconds on a loaded 2-core machine),
// loading a dump or copying a data directory costs a fraction of that. The identity server, the
// OAuth2 server, the edge's store and the demo app each declare their schema here.
//
// Two forms are cached per user (cache-dir.ts), keyed on PGlite's version and the schema's SQL
// (schema-key.ts): `<name>-<key>.tar`, the dump an in-memory database loads, and `<name>-<key>.d/`,
// the same database extracted, which a new data directory copies with a native file copy (loading
// the dump into a directory goes through PGlite's JavaScript file system, file by file). A template
// that fails to load is dropped and rebuilt once; past that the database opens blank and the
// caller's migrations (which always run after opening) build the schema: a broken cache costs time,
// never a start.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cp, mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import { pgliteVersion, pruneOtherVersions, templateCacheDir } from './cache-dir.ts';

export { migrationsKey, schemaKey } from './schema-key.ts';

const execFileAsync = promisify(execFile);

export interface TemplateSchema {
  /** Names the cached files (`<name>-<key>.tar`): one per schema, e.g. `identity-server`. */
  name: string;
  /** Changes whenever the schema does; `migrationsKey()`/`schemaKey()` compute one from the SQL. */
  key: () => Promise<string>;
  /** Creates the schema in a fresh database (the template is dumped after it). */
  migrate: (db: PGlite) => Promise<void>;
  /**
   * PostgreSQL settings every database opened from this template starts with (`-c name=value`),
   * e.g. `{ shared_buffers: '16MB' }`: PGlite starts with initdb's 128 MB of shared buffers, and
   * setting them up is about 0.15 s of CPU per open that a small embedded database never uses.
   */
  settings?: Readonly<Record<string, string>>;
}

export interface PGliteTemplate {
  /** A new in-memory database with the schema. */
  openMemory(): Promise<PGlite>;
  /** A data directory: opened as it is when it holds a database, seeded from the template when empty. */
  openDirectory(dir: string): Promise<PGlite>;
  /** Builds both cached forms now if they are missing (`npm ci` does, so a first start finds them). */
  prepare(): Promise<{ file: string | undefined; built: boolean }>;
  /** Drops the cached forms (a template that failed to load), so the next open rebuilds them. */
  forget(): Promise<void>;
}

/**
 * Settings for a small embedded database (the stack's identity server, OAuth2 server and demo app):
 * 16 MB of shared buffers instead of initdb's 128 MB. Their tables hold a developer's or a small
 * deployment's rows; the operating system's file cache still sits under PGlite's files.
 */
export const SMALL_DATABASE: Readonly<Record<string, string>> = Object.freeze({
  shared_buffers: '16MB',
});

export function pgliteTemplate(schema: TemplateSchema): PGliteTemplate {
  const start = startOptions(schema.settings);
  let key: Promise<string> | undefined;
  let dump: Promise<Blob> | undefined;
  const cacheKey = () => (key ??= schema.key().then(fileKey));
  const files = async () => {
    const dir = templateCacheDir();
    if (!dir) return undefined;
    const stem = join(dir, `${schema.name}-${await cacheKey()}`);
    return { dir, tar: `${stem}.tar`, extracted: `${stem}.d` };
  };

  // The dump (~40 MB) is held in this process only while it cannot be read back from the cache
  // file: an edge that opened its one store must not keep a second copy of the database for life.
  const loadDump = (): Promise<Blob> =>
    (dump ??= (async () => {
      const cached = await files();
      if (cached) {
        try {
          return new Blob([readFileSync(cached.tar)]);
        } catch {
          // not cached yet
        }
      }
      const made = await build(schema.migrate);
      if (cached) {
        writeAtomically(cached.tar, Buffer.from(await made.arrayBuffer()));
        pruneOtherVersions(cached.dir, schema.name, await cacheKey());
      }
      return made;
    })().then(
      async (blob) => {
        if (existsSync((await files())?.tar ?? '')) dump = undefined;
        return blob;
      },
      (err: unknown) => {
        dump = undefined;
        throw err;
      },
    ));

  /** The extracted data directory, made from the dump once per user; undefined without a cache. */
  const extracted = async (): Promise<string | undefined> => {
    const cached = await files();
    if (!cached) return undefined;
    if (existsSync(join(cached.extracted, 'PG_VERSION'))) return cached.extracted;
    const partial = `${cached.extracted}.${process.pid}.partial`;
    rmSync(partial, { recursive: true, force: true });
    const db = await PGlite.create({ dataDir: partial, loadDataDir: await loadDump(), ...start });
    await db.close();
    try {
      renameSync(partial, cached.extracted);
    } catch {
      // Another process extracted it first: theirs is as good.
      rmSync(partial, { recursive: true, force: true });
    }
    return cached.extracted;
  };

  const forget = async () => {
    dump = undefined;
    const cached = await files();
    if (!cached) return;
    rmSync(cached.tar, { force: true });
    rmSync(cached.extracted, { recursive: true, force: true });
  };

  /** Seeds a new directory: the extracted copy, else the dump loaded into it. */
  const seed = async (dir: string): Promise<PGlite> => {
    const source = await extracted();
    if (source) {
      await copyDirectory(source, dir);
      return await PGlite.create({ dataDir: dir, ...start });
    }
    return await PGlite.create({ dataDir: dir, loadDataDir: await loadDump(), ...start });
  };

  return {
    async openMemory() {
      return retryThenBlank(
        async () => PGlite.create({ loadDataDir: await loadDump(), ...start }),
        forget,
        async () => {},
        () => PGlite.create(start),
      );
    },
    async openDirectory(dir) {
      await mkdir(dir, { recursive: true });
      if (existsSync(join(dir, 'PG_VERSION'))) return PGlite.create({ dataDir: dir, ...start });
      // No database yet. The directory may hold files of the embedder's (the stack keeps a secrets
      // file there): they stay, and a failed seeding removes only what it added before the retry.
      const kept = new Set(await readdir(dir));
      const clean = async () => {
        for (const name of await readdir(dir))
          if (!kept.has(name)) await rm(join(dir, name), { recursive: true, force: true });
      };
      return retryThenBlank(
        () => seed(dir),
        forget,
        clean,
        async () => {
          await clean();
          return PGlite.create({ dataDir: dir, ...start });
        },
      );
    },
    async prepare() {
      const cached = await files();
      // Without a cache directory there is nowhere to keep a template: nothing to prepare.
      if (!cached) return { file: undefined, built: false };
      if (existsSync(cached.tar) && existsSync(join(cached.extracted, 'PG_VERSION')))
        return { file: cached.tar, built: false };
      await loadDump();
      await extracted();
      return { file: cached.tar, built: true };
    },
    forget,
  };
}

/** One try; a failure drops the cache and tries once more from a rebuilt one; then a blank start. */
async function retryThenBlank(
  open: () => Promise<PGlite>,
  forget: () => Promise<void>,
  clean: () => Promise<void>,
  blank: () => Promise<PGlite>,
): Promise<PGlite> {
  try {
    return await open();
  } catch {
    await forget();
    await clean();
  }
  try {
    return await open();
  } catch {
    await forget();
    return blank();
  }
}

/** PGlite's own start parameters plus the schema's settings, or nothing to change. */
function startOptions(settings: TemplateSchema['settings']): { startParams?: string[] } {
  const entries = Object.entries(settings ?? {});
  if (entries.length === 0) return {};
  for (const [name, value] of entries) {
    if (!/^[a-z_]+$/.test(name) || !/^[A-Za-z0-9_.]+$/.test(value))
      throw new TypeError(`pglite template: setting ${name}=${value} is not a plain name=value`);
  }
  return {
    startParams: [
      ...PGlite.defaultStartParams,
      ...entries.flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
  };
}

/** The file name's key: the schema's key and PGlite's version (a dump loads only in its maker). */
function fileKey(schemaKeyValue: string): string {
  return createHash('sha256')
    .update(`${pgliteVersion()}|${schemaKeyValue}`)
    .digest('hex')
    .slice(0, 16);
}

async function build(migrate: (db: PGlite) => Promise<void>): Promise<Blob> {
  const seed = await PGlite.create();
  try {
    await migrate(seed);
    return await seed.dumpDataDir('none');
  } finally {
    await seed.close();
  }
}

/**
 * Copies a data directory's files into `target`: with the system's `cp` where there is one (a native
 * copy in another process; Node's recursive copy spent 0.3–0.8 s of this thread's CPU on the
 * thousand files), else with Node's.
 */
async function copyDirectory(source: string, target: string): Promise<void> {
  if (process.platform !== 'win32') {
    try {
      await execFileAsync('cp', ['-R', `${source}/.`, target]);
      return;
    } catch {
      // no usable cp: Node's copy below
    }
  }
  await cp(source, target, { recursive: true });
}

/** Write then rename: a concurrent process never reads a half-written file. */
function writeAtomically(file: string, bytes: Buffer): void {
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, bytes, { mode: 0o600 });
    renameSync(partial, file);
  } catch {
    // A cache that cannot be written only costs speed.
    rmSync(partial, { force: true });
  }
}

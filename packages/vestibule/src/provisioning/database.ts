// Where profiles live: embedded PostgreSQL (PGlite, in memory or in a directory) or a real
// PostgreSQL by URL — one SQL dialect either way (DESIGN.md "One SQL dialect").
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type Generated } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';

export interface ProfilesTable {
  id: string;
  email: string | null;
  /** What the app reads: the Kratos role when it last changed, or what an operator set since. */
  role: Generated<string>;
  /** The Kratos role (`metadata_public.role`) last copied into `role`; null before the first sync. */
  synced_role: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  last_seen_at: Generated<Date>;
}

export interface ProvisioningDatabase {
  profiles: ProfilesTable;
}

export type DatabaseTarget =
  | { kind: 'memory' }
  | { kind: 'directory'; path: string }
  | { kind: 'url'; url: string }
  | { kind: 'kysely'; db: Kysely<ProvisioningDatabase> };

/** `memory`, `pglite:<dir>` / a plain directory path, `postgres://…`, or an existing Kysely. */
export function parseDatabaseTarget(value: string | Kysely<ProvisioningDatabase>): DatabaseTarget {
  if (typeof value !== 'string') return { kind: 'kysely', db: value };
  if (value === 'memory' || value === 'memory://') return { kind: 'memory' };
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: 'url', url: value };
  const path = value.startsWith('pglite:') ? value.slice('pglite:'.length) : value;
  if (!path) throw new TypeError('database: expected "memory", a directory, or a postgres:// URL');
  return { kind: 'directory', path };
}

export function openDatabase(target: DatabaseTarget): Kysely<ProvisioningDatabase> {
  switch (target.kind) {
    case 'kysely':
      return target.db;
    case 'memory':
      return new Kysely({ dialect: new PGliteDialect(new PGlite()) });
    case 'directory':
      return new Kysely({ dialect: new PGliteDialect(new PGlite(target.path)) });
    case 'url': {
      const pool = new pg.Pool({ connectionString: target.url, max: 10 });
      // An idle connection the server ends (restart, failover, admin terminate) is an 'error' event
      // on the pool; unheard, it would crash the app. The pool has dropped that connection already
      // and opens a new one for the next query, whose own failure the caller does see.
      pool.on('error', () => {});
      return new Kysely({ dialect: new PostgresDialect({ pool }) });
    }
  }
}

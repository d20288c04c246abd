// Opens the database a DSN names, as Hydra reads `dsn`: "memory" → in-process PGlite;
// postgres(ql):// → PostgreSQL through `pg`; anything else → a PGlite data directory kept there.
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { migrate } from './migrations.ts';
import { oauth2Template } from './template.ts';
import type { Database } from './tables.ts';

export interface OpenedDatabase {
  db: Kysely<Database>;
  kind: 'memory' | 'pglite' | 'postgres';
  close(): Promise<void>;
}

export async function openDatabase(dsn: string): Promise<OpenedDatabase> {
  let db: Kysely<Database>;
  let kind: OpenedDatabase['kind'];
  if (/^postgres(ql)?:\/\//i.test(dsn)) {
    const pool = new pg.Pool({ connectionString: dsn, max: 10, connectionTimeoutMillis: 10_000 });
    // An idle connection the server ends is an 'error' on the pool; unheard it would crash Node.
    pool.on('error', () => {});
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    kind = 'postgres';
  } else {
    const dataDir = dsn === 'memory' ? undefined : dsn.replace(/^(pglite|file):\/\//, '');
    // A new database (in memory, or an empty directory) starts from the migrated template.
    const client = dataDir
      ? await oauth2Template.openDirectory(dataDir)
      : await oauth2Template.openMemory();
    db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
    kind = dataDir ? 'pglite' : 'memory';
  }
  try {
    await migrate(db);
  } catch (err) {
    await db.destroy().catch(() => {});
    throw err;
  }
  return { db, kind, close: () => db.destroy() };
}

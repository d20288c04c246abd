// What a cached template is keyed on: the SQL a schema's migrations send, not their source text.
// The source text of a migration differs between the TypeScript sources and the built dist/ (tsc
// rewrites it), so a key on `String(up)` made the two builds evict each other's template; the SQL
// they send is the same from either, and changes whenever the schema does.
import { createHash } from 'node:crypto';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  sql,
  type Migration,
} from 'kysely';

/**
 * Runs `apply` against a database that only records (Kysely compiles every query for PostgreSQL,
 * nothing executes; every query answers no rows) and hashes the SQL and parameters it sent.
 */
export async function schemaKey(
  apply: (db: Kysely<unknown>) => Promise<void>,
  salt = '',
): Promise<string> {
  const hash = createHash('sha256').update(salt);
  const db = new Kysely<unknown>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (kysely) => new PostgresIntrospector(kysely),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
    log(event) {
      hash.update(`${event.query.sql}\0${JSON.stringify(event.query.parameters)}\n`);
    },
  });
  try {
    await apply(db);
  } finally {
    await db.destroy();
  }
  return hash.digest('hex').slice(0, 16);
}

/** The key of a Kysely migration set: each migration's name and the SQL its `up` sends, in order. */
export function migrationsKey(migrations: Record<string, Migration>, salt = ''): Promise<string> {
  return schemaKey(async (db) => {
    for (const name of Object.keys(migrations).sort()) {
      await sql.raw(`-- migration ${name}`).execute(db);
      await migrations[name]!.up(db);
    }
  }, salt);
}

// The identity server's migrated, empty PGlite database, cached by @vestibule/server-kit: a new
// in-memory database or data directory starts from it instead of initdb plus every migration.
import {
  migrationsKey,
  pgliteTemplate,
  SMALL_DATABASE,
} from '@vestibule/server-kit/pglite-template';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { MIGRATION_TABLE, migrateToLatest, migrations } from './migrations.ts';

export const identityTemplate = pgliteTemplate({
  name: 'identity-server',
  // The bookkeeping table's name is part of the schema a template carries.
  key: () => migrationsKey(migrations, MIGRATION_TABLE),
  migrate: (db) => migrateToLatest(new Kysely<unknown>({ dialect: new PGliteDialect(db) })),
  settings: SMALL_DATABASE,
});

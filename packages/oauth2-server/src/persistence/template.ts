// The OAuth2 server's migrated, empty PGlite database, cached by @vestibule/server-kit: a new
// in-memory database or data directory starts from it instead of initdb plus the schema.
import { pgliteTemplate, schemaKey, SMALL_DATABASE } from '@vestibule/server-kit/pglite-template';
import { Kysely } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import { migrate } from './migrations.ts';
import type { Database } from './tables.ts';

export const oauth2Template = pgliteTemplate({
  name: 'oauth2-server',
  key: () => schemaKey((db) => migrate(db as Kysely<Database>)),
  migrate: (db) => migrate(new Kysely<Database>({ dialect: new PGliteDialect(db) })),
  settings: SMALL_DATABASE,
});

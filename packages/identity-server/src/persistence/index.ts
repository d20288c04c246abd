export * from './types.ts';
export { openPersister, createSQLPersister, type OpenPersisterOptions } from './sql-persister.ts';
export { openDatabase, type OpenedDatabase } from './database.ts';
export { InvalidPageTokenError, encodePageToken, decodePageToken } from './page-token.ts';
export { migrateToLatest, MIGRATION_NAMES, MIGRATION_TABLE } from './migrations.ts';

export { openProfileStore, migrateProfiles } from './profiles.ts';
export type { Profile, ProfileStore, ProfileStoreOptions } from './profiles.ts';
export { openDatabase, parseDatabaseTarget } from './database.ts';
export type { DatabaseTarget, ProfilesTable, ProvisioningDatabase } from './database.ts';
export { MIGRATION_TABLE, migrationProvider } from './migrations.ts';

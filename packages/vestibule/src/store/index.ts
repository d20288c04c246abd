export { openEdgeStore, migrateEdgeStore, parseStoreTarget } from './database.ts';
export type {
  AttemptCountersTable,
  AuditEventsTable,
  EdgeStore,
  EdgeStoreDatabase,
  EdgeStoreTarget,
} from './database.ts';

export { openEdgeStore, migrateEdgeStore } from './database.ts';
export { parseStoreTarget, type EdgeStoreTarget } from './target.ts';
export type {
  AttemptCountersTable,
  AuditEventsTable,
  EdgeStore,
  EdgeStoreDatabase,
} from './database.ts';

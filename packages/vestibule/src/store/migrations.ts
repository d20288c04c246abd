// The edge store's schema as Kysely migrations in code, tracked in their own table so the store can
// share a database with the app's `profiles` (provisioning/) or run beside other edges.
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

export const EDGE_MIGRATION_TABLE = 'vestibule_edge_migrations';
export const EDGE_MIGRATION_LOCK_TABLE = 'vestibule_edge_migrations_lock';

const migrations: Record<string, Migration> = {
  '2026-12-07-001-attempt-counters': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('vestibule_attempt_counters')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('failures', sql`timestamptz[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('reserved', sql`timestamptz[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
        .addColumn('locked_until', 'timestamptz')
        .addColumn('lock_level', 'integer', (c) => c.notNull().defaultTo(0))
        // What the last write decided (read back through RETURNING: one statement, no race).
        .addColumn('last_allowed', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('last_locked', 'boolean', (c) => c.notNull().defaultTo(false))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull())
        .addPrimaryKeyConstraint('vestibule_attempt_counters_pk', ['scope', 'key'])
        .execute();
      await db.schema
        .createIndex('vestibule_attempt_counters_updated_idx')
        .on('vestibule_attempt_counters')
        .column('updated_at')
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('vestibule_attempt_counters').execute();
    },
  },
  '2026-12-07-002-audit-events': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('vestibule_audit_events')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('at', 'timestamptz', (c) => c.notNull())
        .addColumn('event', 'text', (c) => c.notNull())
        .addColumn('identity_id', 'text')
        .addColumn('identifier_hash', 'text')
        .addColumn('client_address', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('request_id', 'text')
        .execute();
      await db.schema
        .createIndex('vestibule_audit_events_at_idx')
        .on('vestibule_audit_events')
        .column('at')
        .execute();
      await db.schema
        .createIndex('vestibule_audit_events_identity_idx')
        .on('vestibule_audit_events')
        .columns(['identity_id', 'at'])
        .execute();
      await db.schema
        .createTable('vestibule_store_meta')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('vestibule_store_meta').execute();
      await db.schema.dropTable('vestibule_audit_events').execute();
    },
  },
};

export const edgeMigrations: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

// The app-side schema, as Kysely migrations in code (no files to ship or find at runtime).
// Tracked in `vestibule_migrations` so it can share a database with the app's own migrations.
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

export const MIGRATION_TABLE = 'vestibule_migrations';
export const MIGRATION_LOCK_TABLE = 'vestibule_migrations_lock';

const migrations: Record<string, Migration> = {
  '2026-11-23-001-profiles': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('profiles')
        // The Kratos identity id: the one key shared by Kratos, the edge and the app.
        .addColumn('id', 'uuid', (c) => c.primaryKey())
        .addColumn('email', 'text')
        .addColumn('role', 'text', (c) => c.notNull().defaultTo('user'))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('last_seen_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex('profiles_email_idx').on('profiles').column('email').execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('profiles').execute();
    },
  },
  // Role sync (issue 14): `role` is what the app reads and an operator may set directly;
  // `synced_role` is the Kratos role (`metadata_public.role`) last copied into it. Until now every
  // login copied the Kratos role, so an existing row's role is exactly what was last synced.
  '2026-12-07-001-profiles-synced-role': {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('profiles').addColumn('synced_role', 'text').execute();
      await sql`UPDATE profiles SET synced_role = role`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('profiles').dropColumn('synced_role').execute();
    },
  },
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve(migrations),
};

// Schema migrations, in code so they ship with the package (Kysely Migrator). Append only: a
// migration that has run on someone's data directory must never change.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { upToDate } from '@vestibule/server-kit/migrations';

const ts = 'timestamptz';

/** Every migration by name (exported for the template's key: the SQL they send). */
export const migrations: Record<string, Migration> = {
  '0001_identities': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('identities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('schema_id', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('state_changed_at', ts)
        .addColumn('traits', 'text', (c) => c.notNull())
        .addColumn('verifiable_addresses', 'text', (c) => c.notNull())
        .addColumn('recovery_addresses', 'text', (c) => c.notNull())
        .addColumn('metadata_public', 'text')
        .addColumn('metadata_admin', 'text')
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('identity_credentials')
        .addColumn('identity_id', 'text', (c) =>
          c.notNull().references('identities.id').onDelete('cascade'),
        )
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('identifiers', 'text', (c) => c.notNull())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .addPrimaryKeyConstraint('identity_credentials_pk', ['identity_id', 'type'])
        .execute();
      await db.schema
        .createTable('identity_credential_identifiers')
        .addColumn('identity_id', 'text', (c) =>
          c.notNull().references('identities.id').onDelete('cascade'),
        )
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('identifier', 'text', (c) => c.notNull())
        .execute();
      // Kratos: an identifier is unique per credential type, compared case-insensitively.
      await sql`create unique index identity_credential_identifiers_unique
        on identity_credential_identifiers (type, lower(identifier))`.execute(db);
      await sql`create index identity_credential_identifiers_lookup
        on identity_credential_identifiers (lower(identifier))`.execute(db);
      await db.schema
        .createIndex('identity_credential_identifiers_identity')
        .on('identity_credential_identifiers')
        .column('identity_id')
        .execute();
    },
  },
  '0002_sessions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('identity_id', 'text', (c) =>
          c.notNull().references('identities.id').onDelete('cascade'),
        )
        .addColumn('active', 'boolean', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('logout_token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('aal', 'text', (c) => c.notNull())
        .addColumn('authentication_methods', 'text', (c) => c.notNull())
        .addColumn('devices', 'text', (c) => c.notNull())
        .addColumn('issued_at', ts, (c) => c.notNull())
        .addColumn('authenticated_at', ts, (c) => c.notNull())
        .addColumn('expires_at', ts, (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('sessions_identity')
        .on('sessions')
        .columns(['identity_id', 'created_at'])
        .execute();
      await db.schema
        .createIndex('sessions_created')
        .on('sessions')
        .columns(['created_at', 'id'])
        .execute();
    },
  },
  '0003_selfservice': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('selfservice_flows')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('expires_at', ts, (c) => c.notNull())
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('identity_id', 'text')
        .addColumn('session_id', 'text')
        .addColumn('consumed_at', ts)
        .addColumn('internal', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('selfservice_errors')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('error', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .execute();
    },
  },
  '0004_courier': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('courier_messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('template_type', 'text', (c) => c.notNull())
        .addColumn('send_count', 'integer', (c) => c.notNull())
        .addColumn('dispatches', 'text', (c) => c.notNull())
        .addColumn('created_at', ts, (c) => c.notNull())
        .addColumn('updated_at', ts, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('courier_messages_status')
        .on('courier_messages')
        .columns(['status', 'seq'])
        .execute();
      await db.schema
        .createIndex('courier_messages_recipient')
        .on('courier_messages')
        .column('recipient')
        .execute();
    },
  },
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export const MIGRATION_NAMES = Object.keys(migrations);

// Our own bookkeeping tables. Earlier versions used `vestibule_migrations`, the name the vestibule
// package's profile migrations use too, so the two could not share one database (each migrator
// called the other's rows "corrupted"). adoptLegacyTables() renames those old tables once.
export const MIGRATION_TABLE = 'identity_server_migrations';
const MIGRATION_LOCK_TABLE = 'identity_server_migrations_lock';
const LEGACY_TABLE = 'vestibule_migrations';
const LEGACY_LOCK_TABLE = 'vestibule_migrations_lock';

/**
 * A database migrated by an earlier version keeps its history in `vestibule_migrations`. When that
 * table holds only our migrations (never the app's profiles: the two could not coexist before),
 * rename it and its lock table (indexes included, whose names would otherwise block the profile
 * migrator from creating its own) to ours, in one transaction.
 */
async function adoptLegacyTables(db: Kysely<unknown>): Promise<void> {
  const adopt = () =>
    db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ ours: string | null; legacy: string | null }>`
        select to_regclass(${MIGRATION_TABLE})::text as ours,
               to_regclass(${LEGACY_TABLE})::text as legacy`.execute(trx);
      if (rows[0]?.ours || !rows[0]?.legacy) return;
      const names = await sql<{
        name: string;
      }>`select name from ${sql.table(LEGACY_TABLE)}`.execute(trx);
      if (!names.rows.length || !names.rows.every((r) => MIGRATION_NAMES.includes(r.name))) return;
      for (const [from, to] of [
        [LEGACY_TABLE, MIGRATION_TABLE],
        [LEGACY_LOCK_TABLE, MIGRATION_LOCK_TABLE],
      ] as const) {
        await sql`alter table if exists ${sql.table(from)} rename to ${sql.table(to)}`.execute(trx);
        await sql`alter index if exists ${sql.table(`${from}_pkey`)}
          rename to ${sql.table(`${to}_pkey`)}`.execute(trx);
      }
    });
  try {
    await adopt();
  } catch (err) {
    // Another process starting on the same database may have renamed them first.
    const ours = await sql<{ ours: string | null }>`
      select to_regclass(${MIGRATION_TABLE})::text as ours`
      .execute(db)
      .then((r) => r.rows[0]?.ours)
      .catch(() => undefined);
    if (!ours) throw err;
  }
}

/** Applies every pending migration; throws with the failing migration's name. */
export async function migrateToLatest(db: Kysely<unknown>): Promise<void> {
  try {
    await adoptLegacyTables(db);
  } catch (err) {
    throw new Error(`database migrations failed: ${(err as Error).message}`, { cause: err });
  }
  // A database that already has every migration (every start but the first) skips the Migrator.
  if (await upToDate(db, { table: MIGRATION_TABLE, provider })) return;
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const what = failed ? `database migration ${failed}` : 'database migrations';
    throw new Error(`${what} failed: ${(error as Error).message}`, { cause: error });
  }
}

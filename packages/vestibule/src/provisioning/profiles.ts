// ensureUser(): just-in-time provisioning of the app's `profiles` row for a Kratos identity.
// - Race-safe: one INSERT … ON CONFLICT (id) DO UPDATE; concurrent first requests create one row
//   (and concurrent calls in this process share one statement).
// - Role sync: the role originates in Kratos (`metadata_public.role`, or the default role when
//   unset) and is copied into `profiles.role` only when it differs from what was last synced
//   (`synced_role`). App code reads `profiles.role`, so an operator's direct update of it survives
//   later logins until the Kratos role changes; then the Kratos role wins again (changing or removing
//   it in Kratos takes effect here, so a stale `admin` row cannot outlive a demotion in Kratos).
// - Cheap on the hot path: unchanged email/role within `touchIntervalMs` is served from memory;
//   `last_seen_at` is refreshed at most once per interval per identity.
import { Migrator, sql, type Kysely } from 'kysely';
import { LRUCache } from 'lru-cache';
import { upToDate } from '@vestibule/server-kit/migrations';
import type { User } from '../session/user.ts';
import { openDatabase, parseDatabaseTarget, type ProvisioningDatabase } from './database.ts';
import { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, migrationProvider } from './migrations.ts';

export interface Profile {
  id: string;
  email: string | null;
  role: string;
  /** The Kratos role last copied into `role` (differs from it after an operator's direct update). */
  synced_role: string | null;
  created_at: Date;
  updated_at: Date;
  last_seen_at: Date;
}

export interface ProfileStoreOptions {
  /** `memory`, a PGlite directory (`pglite:./data` or a path), `postgres://…`, or a Kysely instance. */
  database: string | Kysely<ProvisioningDatabase>;
  /** Run migrations when opening. Default true. */
  migrate?: boolean;
  /** Minimum time between writes for an unchanged identity. Default 60 000 ms. */
  touchIntervalMs?: number;
  now?: () => number;
}

export interface ProfileStore {
  /** `user.role` is the Kratos role; the returned profile's `role` is the one the app should use. */
  ensureUser(user: Pick<User, 'id' | 'email' | 'role'>): Promise<Profile>;
  getProfile(id: string): Promise<Profile | undefined>;
  readonly db: Kysely<ProvisioningDatabase>;
  close(): Promise<void>;
}

export async function migrateProfiles(db: Kysely<ProvisioningDatabase>): Promise<void> {
  // Every start but the first finds the schema current: one query instead of the Migrator's checks.
  if (
    await upToDate(db as Kysely<unknown>, { table: MIGRATION_TABLE, provider: migrationProvider })
  )
    return;
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw new Error('profiles: migration failed', { cause: error });
}

export async function openProfileStore(options: ProfileStoreOptions): Promise<ProfileStore> {
  if (!options || options.database === undefined)
    throw new TypeError('openProfileStore: database is required');
  const target = parseDatabaseTarget(options.database);
  const db = openDatabase(target);
  if (options.migrate !== false) {
    try {
      await migrateProfiles(db);
    } catch (err) {
      // A pool we opened must not outlive the failed open (it would keep connections and sockets).
      if (target.kind !== 'kysely') await db.destroy().catch(() => {});
      throw err;
    }
  }
  const now = options.now ?? Date.now;
  const touchIntervalMs = options.touchIntervalMs ?? 60_000;
  const recent = new LRUCache<string, { profile: Profile; writtenAt: number }>({ max: 10_000 });
  const flights = new Map<string, Promise<Profile>>();

  const upsert = async (user: Pick<User, 'id' | 'email' | 'role'>): Promise<Profile> => {
    const at = new Date(now());
    const row = await db
      .insertInto('profiles')
      .values({
        id: user.id,
        email: user.email,
        role: user.role,
        synced_role: user.role,
        created_at: at,
        updated_at: at,
        last_seen_at: at,
      })
      .onConflict((oc) =>
        oc.column('id').doUpdateSet({
          email: (eb) => eb.ref('excluded.email'),
          // Copy the Kratos role only when it changed since the last sync: an operator's direct
          // update of profiles.role stands until then. Decided in the one statement, so two logins
          // racing each other cannot both see "changed".
          role: sql<string>`CASE WHEN profiles.synced_role IS DISTINCT FROM excluded.synced_role
            THEN excluded.role ELSE profiles.role END`,
          synced_role: (eb) => eb.ref('excluded.synced_role'),
          last_seen_at: (eb) => eb.ref('excluded.last_seen_at'),
          updated_at: sql<Date>`CASE WHEN profiles.email IS DISTINCT FROM excluded.email
            OR profiles.synced_role IS DISTINCT FROM excluded.synced_role
            THEN excluded.updated_at ELSE profiles.updated_at END`,
        }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    const profile = row as Profile;
    recent.set(user.id, { profile, writtenAt: at.getTime() });
    return profile;
  };

  return {
    ensureUser(user) {
      if (!user || typeof user.id !== 'string' || !user.id) {
        return Promise.reject(new TypeError('ensureUser: user.id is required'));
      }
      const known = recent.get(user.id);
      if (
        known &&
        known.profile.email === user.email &&
        known.profile.synced_role === user.role &&
        now() - known.writtenAt < touchIntervalMs
      ) {
        return Promise.resolve(known.profile);
      }
      const key = `${user.id}\0${user.email}\0${user.role}`;
      let flight = flights.get(key);
      if (!flight) {
        flight = upsert(user).finally(() => flights.delete(key));
        flights.set(key, flight);
      }
      return flight;
    },
    async getProfile(id) {
      return (await db
        .selectFrom('profiles')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst()) as Profile | undefined;
    },
    db,
    async close() {
      if (target.kind !== 'kysely') await db.destroy();
    },
  };
}

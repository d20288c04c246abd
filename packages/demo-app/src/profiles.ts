// Profiles through the app library's ensureUser(): the first authenticated request creates the row
// keyed on the Kratos identity id, later logins sync email and role. Same database as the notes.
import type { Kysely } from 'kysely';
import {
  openProfileStore,
  type ProfileSync,
  type ProvisioningDatabase,
  type User,
} from 'vestibule';
import type { Profiles } from './routes.ts';

/** The routes' view of profiles, and the store itself for createVestibule's role sync. */
export async function createProfiles(
  db: Kysely<ProvisioningDatabase>,
): Promise<Profiles & { sync: ProfileSync }> {
  const store = await openProfileStore({ database: db });
  return {
    sync: store,
    ensure: (user: User) => store.ensureUser(user),
    list: () =>
      db
        .selectFrom('profiles')
        .select(['id', 'email', 'role', 'created_at'])
        .orderBy('created_at', 'asc')
        .execute(),
  };
}

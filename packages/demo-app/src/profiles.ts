// Profiles through the app library's ensureUser(): the first authenticated request creates the row
// keyed on the Kratos identity id, later logins sync email and role. Same database as the notes.
import type { Kysely } from 'kysely';
import { openProfileStore, type ProvisioningDatabase, type User } from 'vestibule';
import type { Profiles } from './routes.ts';

export async function createProfiles(db: Kysely<ProvisioningDatabase>): Promise<Profiles> {
  const store = await openProfileStore({ database: db });
  return {
    ensure: (user: User) => store.ensureUser(user),
    list: () =>
      db
        .selectFrom('profiles')
        .select(['id', 'email', 'role', 'created_at'])
        .orderBy('created_at', 'asc')
        .execute(),
  };
}

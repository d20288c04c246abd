// `vestibule`: the app library. An app behind the edge (or talking to Kratos directly) needs only
// this entry point; the edge, proxy, pages, gateway, config and framework adapters are subpaths
// (`vestibule/edge`, `vestibule/adapters/express`, …), so importing `getUser()` loads none of them.

/**
 * The one chokepoint: `createVestibule()` returns `getUser`, `requireUser` and `requireRole`.
 *
 * @example
 * ```ts
 * import { createVestibule } from 'vestibule';
 * const vestibule = createVestibule({ mode: 'header', headerSecret: process.env.VESTIBULE_HEADER_SECRET });
 * const user = await vestibule.getUser(request); // null when anonymous
 * const { user, response } = await vestibule.requireRole(request, 'admin');
 * if (response) return response; // 401/403 or a redirect to /login
 * ```
 *
 * @example Behind a real Oathkeeper (its `id_token` mutator; `jose` is loaded only in this mode)
 * ```ts
 * const vestibule = createVestibule({
 *   mode: 'oathkeeper',
 *   oathkeeper: { jwksURL: 'http://oathkeeper:4456/.well-known/jwks.json', issuer: 'http://127.0.0.1:4455/', audience: 'notes' },
 * });
 * ```
 */
export { createVestibule } from './app/vestibule.ts';
export type {
  AuthResult,
  IdentityMode,
  IdentityRead,
  OathkeeperSourceOptions,
  ProfileSync,
  RequestLike,
  Vestibule,
  VestibuleOptions,
} from './app/types.ts';
export { DEFAULT_ROLE } from './session/user.ts';
export type { User } from './session/user.ts';

/**
 * JIT provisioning: one profile row per Kratos identity, role synced from `metadata_public.role`.
 *
 * @example
 * ```ts
 * import { openProfileStore } from 'vestibule';
 * const profiles = await openProfileStore({ database: 'postgres://app@db/app' });
 * const { role } = await profiles.ensureUser(user);
 * ```
 */
export { openProfileStore, migrateProfiles, openDatabase } from './provisioning/index.ts';
/**
 * The profiles schema's migrations and their bookkeeping table, for an app that prepares databases
 * ahead of time (the demo app bakes them into its PGlite template).
 *
 * @example
 * ```ts
 * import { PROFILE_MIGRATION_TABLE, profileMigrations } from 'vestibule';
 * const names = Object.keys(await profileMigrations.getMigrations()); // applied into PROFILE_MIGRATION_TABLE
 * ```
 */
export {
  MIGRATION_TABLE as PROFILE_MIGRATION_TABLE,
  migrationProvider as profileMigrations,
} from './provisioning/index.ts';
export type {
  DatabaseTarget,
  Profile,
  ProfilesTable,
  ProfileStore,
  ProfileStoreOptions,
  ProvisioningDatabase,
} from './provisioning/index.ts';

/**
 * Errors carry a stable `code`; `KratosUnavailable` means identity could not be checked (fail closed).
 *
 * @example
 * ```ts
 * import { KratosUnavailable } from 'vestibule';
 * try { await vestibule.getUser(request); } catch (err) { if (err instanceof KratosUnavailable) return new Response(null, { status: 503 }); throw err; }
 * ```
 */
export { VestibuleError, KratosUnavailable } from './lib/errors.ts';
export type { ErrorCode } from './lib/errors.ts';

/**
 * The structured JSON logger the library and the edge write with (one object per line on stderr).
 *
 * @example
 * ```ts
 * import { createLogger } from 'vestibule';
 * const logger = createLogger({ level: 'info', base: { component: 'my-app' } });
 * ```
 */
export { createLogger } from './lib/logger.ts';
export type { Logger, LogLevel } from './lib/logger.ts';

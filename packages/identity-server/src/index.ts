// Public API of @vestibule/identity-server: the embedded Kratos-compatible server and its config.
export {
  createIdentityServer,
  type IdentityServer,
  type IdentityServerOptions,
  type Listening,
  type RouteMount,
} from './server.ts';
export type { ExternalMail } from './courier/courier.ts';
export {
  loadConfig,
  defaultConfig,
  parseConfig,
  devConfigObject,
  ConfigError,
  SHIPPED_CONFIG_PATH,
  SHIPPED_SCHEMA_PATH,
  type KratosConfig,
  type ConfigOverrides,
  type ConfigWarning,
} from './config/index.ts';
export type {
  ServerContext,
  Clock,
  UINode,
  UIText,
  IdentitySchema,
  PasswordHasher,
  PasswordPolicy,
} from './driver/context.ts';
export type { Identity, Session, FlowRecord, Persister } from './persistence/types.ts';
export { KratosError } from './http/errors.ts';
export { Router } from './http/router.ts';
// A password hashed as the configured server would (the dev stack hashes the seeded admin's while
// the server opens its database, then creates it with `hashed_password`).
export { hashPassword } from './hash/index.ts';

// Builds the ServerContext (driver/context.ts) from a normalised config: opens and migrates the database
// named by `dsn`, compiles the identity schemas, and sets up hashing and the password policy.
import type { ConfigWarning } from './config/check.ts';
import type { KratosConfig } from './config/types.ts';
import { ContinuityStore } from './continuity/store.ts';
import { createCourier } from './courier/courier.ts';
import type { ServerContext } from './driver/context.ts';
import type { Clock } from './x/clock.ts';
import { createJSONLogger } from './x/log.ts';
import { createPasswordHasher, createPasswordPolicy } from './hash/index.ts';
import { openPersister } from './persistence/sql-persister.ts';
import { loadSchemaRegistry } from './schema/index.ts';

export interface ServerContextOptions {
  clock?: Clock;
  log?: ServerContext['log'];
  /** Outbound fetch for http(s) identity schemas and the breached-password range API. */
  fetch?: typeof fetch;
  /** The offline common-password floor (hash/common-passwords.ts): on unless false. */
  commonPasswords?: boolean;
  /** Warnings from loadConfig()/parseConfig() (unknown keys…), logged once at startup. */
  configWarnings?: ReadonlyArray<ConfigWarning>;
}

/** log.level from the config (LOG_LEVEL is already applied there, as Kratos does), default info. */
function defaultLogger(config: KratosConfig): ServerContext['log'] {
  return createJSONLogger(config.log?.level ?? 'info');
}

export async function createServerContext(
  config: KratosConfig,
  options: ServerContextOptions = {},
): Promise<ServerContext & { close(): Promise<void> }> {
  const clock = options.clock ?? { now: () => new Date() };
  const log = options.log ?? defaultLogger(config);
  for (const warning of options.configWarnings ?? []) {
    log('warn', warning.message, { code: warning.code, key: warning.key });
  }
  // Schemas first: a broken schema should fail before a database is opened (and left locked).
  const schemas = await loadSchemaRegistry(config, options.fetch ? { fetch: options.fetch } : {});
  const persister = await openPersister(config.dsn, { clock, log });
  return withClockBound({
    config,
    persister,
    schemas,
    hasher: createPasswordHasher(config.hashers),
    passwordPolicy: createPasswordPolicy(config, {
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.commonPasswords === undefined
        ? {}
        : { commonPasswords: options.commonPasswords }),
    }),
    clock,
    log,
    close: () => persister.close(),
  });
}

/**
 * Adds the parts that keep time with the context's own clock: a courier (SMTP, or the dev mailbox
 * when no SMTP URI is configured) and the continuity store. Also used when a server replaces a
 * given context's clock, so they never run on the old one.
 */
export function withClockBound<T extends Omit<ServerContext, 'courier' | 'continuity'>>(
  base: T,
): T & Pick<ServerContext, 'courier' | 'continuity'> {
  const ctx = base as T & Pick<ServerContext, 'courier' | 'continuity'>;
  ctx.continuity = new ContinuityStore(ctx.clock);
  ctx.courier = createCourier(ctx);
  return ctx;
}

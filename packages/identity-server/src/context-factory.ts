// Builds the ServerContext (context.ts) from a normalised config: opens and migrates the database
// named by `dsn`, compiles the identity schemas, and sets up hashing and the password policy.
import type { ConfigWarning } from './config/check.ts';
import type { KratosConfig } from './config/types.ts';
import type { Clock, ServerContext } from './context.ts';
import { createPasswordHasher, createPasswordPolicy } from './hash/index.ts';
import { openPersister } from './persistence/sql-persister.ts';
import { loadSchemaRegistry } from './schema/index.ts';

export interface ServerContextOptions {
  clock?: Clock;
  log?: ServerContext['log'];
  /** Outbound fetch for http(s) identity schemas and the breached-password range API. */
  fetch?: typeof fetch;
  /** Warnings from loadConfig()/parseConfig() (unknown keys…), logged once at startup. */
  configWarnings?: ReadonlyArray<ConfigWarning>;
}

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;

/** JSON lines on stderr at or above `threshold`. */
export function createJSONLogger(threshold: keyof typeof LEVELS = 'info'): ServerContext['log'] {
  return (level, msg, fields) => {
    if (LEVELS[level] < LEVELS[threshold]) return;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level, msg };
    for (const [key, value] of Object.entries(fields ?? {})) {
      entry[key] =
        value instanceof Error
          ? { name: value.name, message: value.message, stack: value.stack }
          : value;
    }
    process.stderr.write(`${JSON.stringify(entry)}\n`);
  };
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
  return {
    config,
    persister,
    schemas,
    hasher: createPasswordHasher(config.hashers),
    passwordPolicy: createPasswordPolicy(config, options.fetch ? { fetch: options.fetch } : {}),
    clock,
    log,
    close: () => persister.close(),
  };
}

// A ServerContext for fast in-process tests of the HTTP layer: the real config loader and identity
// schemas, an in-memory persister, bcrypt at cost 4, and a fake clock.
import { hash, hashSync, verify } from '@node-rs/bcrypt';
import { defaultConfig, type ConfigOverrides, type ParseOptions } from '../../src/config/index.ts';
import type { PasswordHasher, PasswordPolicy, ServerContext } from '../../src/driver/context.ts';
import { withClockBound } from '../../src/context-factory.ts';
import { loadSchemaRegistry } from '../../src/schema/index.ts';
import { createFakeClock, type FakeClock } from './fake-clock.ts';
import { createMemoryPersister } from './memory-persister.ts';

const DUMMY_HASH = hashSync('not a real password', { cost: 4 });

const testHasher: PasswordHasher = {
  hash: (password) => hash(password, { cost: 4 }),
  verify: (password, hashed) => verify(password, hashed),
  needsRehash: () => false,
  dummyVerify: async (password) => {
    await verify(password, DUMMY_HASH);
  },
};

const testPolicy: PasswordPolicy = {
  async check(password, identifiers) {
    if (password.length < 8) {
      return {
        id: 4000032,
        text: `The password must be at least 8 characters long, but got ${password.length}.`,
        type: 'error',
        context: { min_length: 8, actual_length: password.length },
      };
    }
    if (
      identifiers.some((i) => i && password.toLowerCase().includes(i.split('@')[0]!.toLowerCase()))
    ) {
      return {
        id: 4000031,
        text: 'The password can not be used because it is too similar to the identifier.',
        type: 'error',
      };
    }
    return undefined;
  },
};

export async function createMemoryContext(
  overrides: ConfigOverrides = {},
  options: ParseOptions = {},
): Promise<ServerContext & { clock: FakeClock }> {
  const config = defaultConfig(overrides, options);
  return withClockBound({
    config,
    persister: createMemoryPersister(),
    schemas: await loadSchemaRegistry(config),
    hasher: testHasher,
    passwordPolicy: testPolicy,
    clock: createFakeClock(),
    // Errors are printed so a failing test shows the cause of a 500.
    log: (level, msg, fields) => {
      if (level === 'error') console.error(msg, fields);
    },
  });
}

// PasswordHasher (driver/context.ts) as Kratos hashes: bcrypt by default ($2a$, cost from hashers.bcrypt.cost,
// like Go's x/crypto/bcrypt) or argon2id (PHC string with hashers.argon2 parameters).
import { randomBytes } from 'node:crypto';
import { hash as argon2Hash, parseOptions as argon2Params, type Algorithm } from '@node-rs/argon2';
import { hash as bcryptHash, parseOptions as bcryptParams } from '@node-rs/bcrypt';
import type { KratosConfig } from '../config/types.ts';
import type { PasswordHasher } from '../driver/context.ts';
import { BCRYPT_MAX_BYTES, hashFamily, verifyHash } from './formats.ts';

// @node-rs/argon2's Algorithm is an ambient const enum, which isolatedModules cannot read.
const ARGON2ID = 2 as Algorithm;

export class PasswordTooLongError extends Error {
  constructor(readonly bytes: number) {
    super(`bcrypt passwords are limited to ${BCRYPT_MAX_BYTES} bytes, got ${bytes}`);
    this.name = 'PasswordTooLongError';
  }
}

/** A new hash of `password` with the configured hasher, as Kratos stores it. */
export function hashPassword(hashers: KratosConfig['hashers'], password: string): Promise<string> {
  if (hashers.algorithm === 'argon2') {
    const a = hashers.argon2;
    return argon2Hash(password, {
      algorithm: ARGON2ID,
      memoryCost: a.memory_kib,
      timeCost: a.iterations,
      parallelism: a.parallelism,
      outputLen: a.key_length,
      salt: randomBytes(a.salt_length),
    });
  }
  const bytes = Buffer.byteLength(password);
  // Kratos fails hashing (ErrBcryptPasswordLengthReached) rather than silently truncating.
  if (bytes > BCRYPT_MAX_BYTES) return Promise.reject(new PasswordTooLongError(bytes));
  return bcryptHash(password, { cost: hashers.bcrypt.cost, version: '2a' });
}

export function createPasswordHasher(hashers: KratosConfig['hashers']): PasswordHasher {
  const hash = (password: string): Promise<string> => hashPassword(hashers, password);

  // A real hash with the configured parameters, made once at start-up (not on the first unknown
  // login, which would then be measurably slower), so an unknown identifier costs a full
  // comparison like a known one (Kratos: the login strategy compares against a fake hash).
  let dummy: Promise<string> | undefined;
  const dummyHash = () => (dummy ??= hash('vestibule-dummy-password-for-timing'));
  dummyHash().catch(() => {});
  return {
    hash,
    verify: (password, hashed) => verifyHash(password, hashed).catch(() => false),
    needsRehash: (hashed) => needsRehash(hashers, hashed),
    async dummyVerify(password) {
      const fake = await dummyHash().catch(() => undefined);
      if (fake) await verifyHash(password.slice(0, 4096), fake).catch(() => false);
    },
  };
}

/**
 * Kratos migrates a hash on login when the configured hasher does not "understand" it (another
 * algorithm). We also rehash hashes weaker than the configured cost/parameters.
 */
export function needsRehash(hashers: KratosConfig['hashers'], hashed: string): boolean {
  const family = hashFamily(hashed);
  try {
    if (hashers.algorithm === 'bcrypt') {
      return family !== 'bcrypt' || bcryptParams(hashed).cost < hashers.bcrypt.cost;
    }
    if (family !== 'argon2id') return true;
    const p = argon2Params(hashed);
    const want = hashers.argon2;
    return (
      p.memoryCost < want.memory_kib ||
      p.timeCost < want.iterations ||
      p.outputLen < want.key_length
    );
  } catch {
    return true;
  }
}

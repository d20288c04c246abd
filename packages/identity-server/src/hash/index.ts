export { createPasswordHasher, hashPassword, needsRehash, PasswordTooLongError } from './hasher.ts';
export {
  createPasswordPolicy,
  tooSimilar,
  longestCommonSubstring,
  type PasswordPolicyOptions,
} from './policy.ts';
export {
  checkImportedHash,
  hashFamily,
  verifyHash,
  BCRYPT_MAX_BYTES,
  type HashFamily,
} from './formats.ts';

// PasswordPolicy (driver/context.ts) as Kratos's DefaultPasswordValidator
// (selfservice/strategy/password/validator.go): minimum length, similarity to each identifier
// (case-insensitive Levenshtein distance < 5, or longest common substring > half the password),
// the Have I Been Pwned range check (breached.ts), and bcrypt's 72-byte ceiling. Before the range
// check, an offline floor of common passwords (common-passwords.ts) answers with the same 4000034.
import { distance } from 'fastest-levenshtein';
import type { KratosConfig } from '../config/types.ts';
import type { PasswordPolicy } from '../driver/context.ts';
import { passwordText } from '../text/index.ts';
import { breachCount, RangeCache } from './breached.ts';
import { isCommonPassword } from './common-passwords.ts';
import { BCRYPT_MAX_BYTES } from './formats.ts';

const MIN_IDENTIFIER_DISTANCE = 5;
const MAX_COMMON_SUBSTRING_RATIO = 0.5;

export interface PasswordPolicyOptions {
  /** Used only when haveibeenpwned_enabled; tests inject a local double of the range API. */
  fetch?: typeof fetch;
  /** The offline common-password floor (not a Kratos key): on unless false. */
  commonPasswords?: boolean;
}

export function createPasswordPolicy(
  config: KratosConfig,
  options: PasswordPolicyOptions = {},
): PasswordPolicy {
  const rules = config.selfservice.methods.password;
  const bcrypt = config.hashers.algorithm === 'bcrypt';
  const floor = options.commonPasswords ?? true;
  const cache = new RangeCache();
  return {
    async check(password, identifiers) {
      // Go's len(): Kratos measures passwords in UTF-8 bytes.
      const bytes = Buffer.byteLength(password);
      if (bytes < rules.min_password_length)
        return passwordText.minLength(rules.min_password_length, bytes);
      if (rules.identifier_similarity_check_enabled) {
        for (const identifier of identifiers) {
          if (identifier !== '' && tooSimilar(identifier, password))
            return passwordText.tooSimilar();
        }
      }
      // "Found in data breaches" holds for the floor too: the list is drawn from leaked corpora,
      // so at least one breach is known for each entry.
      if (floor && isCommonPassword(password)) return passwordText.tooManyBreaches(1);
      if (rules.haveibeenpwned_enabled) {
        const breaches = await breachCount(password, {
          host: rules.haveibeenpwned_host,
          ignoreNetworkErrors: rules.ignore_network_errors,
          cache,
          ...(options.fetch ? { fetch: options.fetch } : {}),
        });
        if (breaches > rules.max_breaches) return passwordText.tooManyBreaches(breaches);
      }
      if (bcrypt && bytes > BCRYPT_MAX_BYTES)
        return passwordText.maxLength(BCRYPT_MAX_BYTES, bytes);
      return undefined;
    },
  };
}

export function tooSimilar(identifier: string, password: string): boolean {
  const id = identifier.toLowerCase();
  const pw = password.toLowerCase();
  if (distance(id, pw) < MIN_IDENTIFIER_DISTANCE) return true;
  return longestCommonSubstring(id, pw) / Buffer.byteLength(pw) > MAX_COMMON_SUBSTRING_RATIO;
}

/** Length of the longest common substring, in characters (dynamic programming, one row). */
export function longestCommonSubstring(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let previous = new Array<number>(y.length + 1).fill(0);
  let best = 0;
  for (let i = 1; i <= x.length; i++) {
    const current = new Array<number>(y.length + 1).fill(0);
    for (let j = 1; j <= y.length; j++) {
      if (x[i - 1] === y[j - 1]) {
        current[j] = previous[j - 1]! + 1;
        if (current[j]! > best) best = current[j]!;
      }
    }
    previous = current;
  }
  return best;
}

// PasswordPolicy (driver/context.ts) as Kratos's DefaultPasswordValidator
// (selfservice/strategy/password/validator.go): minimum length, similarity to each identifier
// (case-insensitive Levenshtein distance < 5, or longest common substring > half the password),
// the optional Have I Been Pwned range check, and bcrypt's 72-byte ceiling.
import { createHash } from 'node:crypto';
import { distance } from 'fastest-levenshtein';
import type { KratosConfig } from '../config/types.ts';
import type { PasswordPolicy } from '../driver/context.ts';
import { passwordText } from '../text/index.ts';
import { BCRYPT_MAX_BYTES } from './formats.ts';

const MIN_IDENTIFIER_DISTANCE = 5;
const MAX_COMMON_SUBSTRING_RATIO = 0.5;
const PWNED_RANGE_URL = 'https://api.pwnedpasswords.com/range/';

export interface PasswordPolicyOptions {
  /** Used only when haveibeenpwned_enabled; inject a fake in tests (there is no network here). */
  fetch?: typeof fetch;
  /** Kratos's ignore_network_errors (default true): an unreachable range API accepts the password. */
  ignoreNetworkErrors?: boolean;
}

export function createPasswordPolicy(
  config: KratosConfig,
  options: PasswordPolicyOptions = {},
): PasswordPolicy {
  const rules = config.selfservice.methods.password;
  const bcrypt = config.hashers.algorithm === 'bcrypt';
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
      if (rules.haveibeenpwned_enabled) {
        const breaches = await pwnedCount(password, options);
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

/** k-anonymity range query: only the first 5 hex chars of the SHA-1 leave the process. */
async function pwnedCount(password: string, options: PasswordPolicyOptions): Promise<number> {
  const digest = createHash('sha1').update(password).digest('hex').toUpperCase();
  const [prefix, suffix] = [digest.slice(0, 5), digest.slice(5)];
  const fetchImpl = options.fetch ?? fetch;
  let body: string;
  try {
    const response = await fetchImpl(PWNED_RANGE_URL + prefix, {
      signal: AbortSignal.timeout(5000),
      redirect: 'error',
    });
    if (!response.ok) throw new Error(`status ${response.status}`);
    body = await response.text();
  } catch (err) {
    if (options.ignoreNetworkErrors ?? true) return 0;
    throw new Error('Unable to check if the password has been breached before', { cause: err });
  }
  for (const line of body.split('\n')) {
    const [hash, count] = line.trim().split(':');
    // Kratos assumes a count of 1 when the API omits it (ory/kratos#2145).
    if (hash === suffix)
      return count === undefined ? 1 : Number.parseInt(count.replace(/^0,/, ''), 10) || 1;
  }
  return 0;
}

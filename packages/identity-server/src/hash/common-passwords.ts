// The offline floor under the breach check: the most common passwords (zxcvbn-ts's ranked list,
// drawn from leaked password corpora), checked in process so `password1234` is refused with no
// network — in CI, in the demo stack, and when the range API is down and ignored. Compared
// lower-cased: the list is lower-case and capitalising the first letter adds nothing an attacker's
// dictionary does not already try.
import { dictionary } from '@zxcvbn-ts/language-common';

let common: ReadonlySet<string> | undefined;

/** Built on first use (about 49,000 entries), then kept for the life of the process. */
function commonPasswords(): ReadonlySet<string> {
  common ??= new Set(dictionary['passwords-common']);
  return common;
}

export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.toLowerCase());
}

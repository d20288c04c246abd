// crypt(3) hashes Kratos imports under its own prefixes (hash/hash_comparator.go): `$md5-crypt$…`
// is `$1$…` (MD5-crypt), `$sha256-crypt$…` is `$5$…` and `$sha512-crypt$…` is `$6$…` (SHA-crypt,
// with an optional `rounds=N$`). Compare-only (rehashed on login). The algorithms come from
// libraries: apache-md5 for MD5-crypt, unixcrypt for SHA-crypt. unixcrypt stretches synchronously
// (passlib's default 535 000 rounds took 2 s of one core here), so it runs on a small worker pool
// (piscina): a login with such a hash must not stall every other request.
import { timingSafeEqual } from 'node:crypto';
import apacheMd5 from 'apache-md5';
import type { Piscina } from 'piscina';

// The rounds come from the imported hash: bound the work of one comparison (passlib's defaults,
// 535000 and 656000, fit).
const MAX_SHA_ROUNDS = 1_000_000;

const MD5_CRYPT = /^\$md5-crypt\$([^$]{0,8})\$([./0-9A-Za-z]{22})$/;
const SHA_CRYPT =
  /^\$sha(256|512)-crypt\$(?:rounds=(\d{1,9})\$)?([^$]{0,16})\$([./0-9A-Za-z]{43}|[./0-9A-Za-z]{86})$/;

export type CryptFamily = 'md5-crypt' | 'sha256-crypt' | 'sha512-crypt';

export function cryptFamily(hashed: string): CryptFamily | undefined {
  if (hashed.startsWith('$md5-crypt$')) return 'md5-crypt';
  if (hashed.startsWith('$sha256-crypt$')) return 'sha256-crypt';
  if (hashed.startsWith('$sha512-crypt$')) return 'sha512-crypt';
  return undefined;
}

// The worker pool (and piscina itself) only once an imported sha-crypt hash is verified.
let workers: Promise<Piscina> | undefined;
function shaCryptPool(): Promise<Piscina> {
  workers ??= import('piscina').then(
    ({ Piscina }) =>
      new Piscina({
        filename: new URL('./sha-crypt-worker.mjs', import.meta.url).href,
        maxThreads: 2,
        idleTimeout: 2_000,
      }),
  );
  return workers;
}

// apache-md5 is CommonJS (`module.exports = fn`) but its typings say `export default`: under
// NodeNext the default import is the function itself at run time.
const aprMd5 = apacheMd5 as unknown as (password: string, salt: string) => string;

/** crypt(3) hashes bytes: hand apache-md5 (which hashes strings as latin1) the UTF-8 bytes. */
const bytesAsLatin1 = (text: string) => Buffer.from(text, 'utf8').toString('latin1');

interface Decoded {
  compute(password: string): Promise<string>;
  expected: string;
}

function decode(hashed: string): Decoded | undefined {
  let m = MD5_CRYPT.exec(hashed);
  if (m) {
    const salt = m[1]!;
    return {
      expected: m[2]!,
      compute: async (pw) => digestOf(aprMd5(bytesAsLatin1(pw), `$1$${bytesAsLatin1(salt)}$`)),
    };
  }
  m = SHA_CRYPT.exec(hashed);
  if (m) {
    const bits = m[1] === '256' ? 256 : 512;
    if ((bits === 256) !== (m[4]!.length === 43)) return undefined;
    // Drepper: rounds default to 5000 and are clamped to [1000, 999999999].
    const rounds = m[2] === undefined ? 5000 : Math.max(1000, Number(m[2]));
    if (rounds > MAX_SHA_ROUNDS) return undefined;
    const id = bits === 256 ? '5' : '6';
    const setting = m[2] === undefined ? `$${id}$${m[3]}` : `$${id}$rounds=${rounds}$${m[3]}`;
    return {
      expected: m[4]!,
      compute: async (password) =>
        digestOf((await (await shaCryptPool()).run({ password, setting })) as string),
    };
  }
  return undefined;
}

/** The digest is the last `$` section of a crypt(3) string. */
const digestOf = (crypt: string) => crypt.slice(crypt.lastIndexOf('$') + 1);

export function checkCryptHash(hashed: string): string | undefined {
  return decode(hashed) ? undefined : `malformed or unsupported ${cryptFamily(hashed)} hash`;
}

export async function verifyCryptHash(password: string, hashed: string): Promise<boolean> {
  const decoded = decode(hashed);
  if (!decoded) return false;
  const computed = Buffer.from(await decoded.compute(password));
  const expected = Buffer.from(decoded.expected);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

// Password hash formats Kratos can import and compare (hash/hash_comparator.go): bcrypt ($2a/$2b/$2y),
// argon2id / argon2i (PHC), pbkdf2 ($pbkdf2-sha256$i=…,l=…$salt$hash, raw base64) and scrypt
// ($scrypt$ln=N,r=…,p=…$salt$hash, padded base64; "ln" is N itself, not its log); the legacy digest
// families (SSHA, templated SHA/MD5, HMAC, Firebase scrypt) live in digest-formats.ts, the crypt(3)
// ones (md5-crypt, sha256-crypt, sha512-crypt) in crypt-formats.ts.
import { pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { verify as argon2Verify, parseOptions as argon2Params } from '@node-rs/argon2';
import { verify as bcryptVerify } from '@node-rs/bcrypt';
import { checkCryptHash, cryptFamily, verifyCryptHash, type CryptFamily } from './crypt-formats.ts';
import {
  checkDigestHash,
  digestFamily,
  verifyDigestHash,
  type DigestFamily,
} from './digest-formats.ts';

const pbkdf2Async = promisify(pbkdf2);
const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

export type HashFamily =
  'bcrypt' | 'argon2id' | 'argon2i' | 'pbkdf2' | 'scrypt' | DigestFamily | CryptFamily;

/** bcrypt compares only the first 72 bytes; Kratos refuses longer passwords instead of truncating. */
export const BCRYPT_MAX_BYTES = 72;

// Upper bounds on imported parameters, so one stored hash cannot pin a CPU or exhaust memory at
// every login: Kratos's own bounds (hash/hash_limits.go).
const LIMITS = {
  pbkdf2Iterations: 10_000_000,
  scryptN: 2 ** 17,
  scryptR: 8,
  scryptP: 10,
  argon2MemoryKiB: 1024 * 1024,
  argon2Time: 10,
  argon2Parallelism: 16,
  bcryptCost: 15,
};

/**
 * Go's base64 Strict() decoding: the text must be the canonical encoding of its bytes (no stray
 * characters, no non-zero padding bits). Node's decoder is lenient, so re-encode and compare.
 */
function strictBase64(text: string, padded: boolean): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  const canonical = bytes.toString('base64');
  return (padded ? canonical : canonical.replace(/=+$/, '')) === text && bytes.length > 0
    ? bytes
    : undefined;
}
const PBKDF2 =
  /^\$pbkdf2-(sha1|sha224|sha256|sha384|sha512)\$i=(\d{1,9}),l=(\d{1,4})\$([^$]+)\$([^$]+)$/;
const SCRYPT = /^\$scrypt\$ln=(\d{1,9}),r=(\d{1,4}),p=(\d{1,4})\$([^$]+)\$([^$]+)$/;
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;
const ARGON2 = /^\$argon2(id|i)\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/;

export function hashFamily(hashed: string): HashFamily | undefined {
  const digest = digestFamily(hashed) ?? cryptFamily(hashed);
  if (digest) return digest;
  if (BCRYPT.test(hashed)) return 'bcrypt';
  if (ARGON2.test(hashed)) return hashed.startsWith('$argon2id$') ? 'argon2id' : 'argon2i';
  if (PBKDF2.test(hashed)) return 'pbkdf2';
  if (SCRYPT.test(hashed)) return 'scrypt';
  return undefined;
}

/** Why an imported hash cannot be used, or undefined when it is a supported, sane hash. */
export function checkImportedHash(hashed: string): string | undefined {
  const family = hashFamily(hashed);
  if (!family)
    return 'unsupported or malformed password hash (supported: bcrypt, argon2id, argon2i, pbkdf2, scrypt, ssha, sha, md5, hmac, firescrypt, md5-crypt, sha256-crypt, sha512-crypt)';
  if (digestFamily(hashed)) return checkDigestHash(hashed);
  if (cryptFamily(hashed)) return checkCryptHash(hashed);
  if (family === 'bcrypt' && Number(hashed.slice(4, 6)) > LIMITS.bcryptCost)
    return 'bcrypt cost is too large';
  if (family === 'argon2id' || family === 'argon2i') {
    try {
      const p = argon2Params(hashed);
      if (
        p.memoryCost > LIMITS.argon2MemoryKiB ||
        p.timeCost > LIMITS.argon2Time ||
        p.parallelism > LIMITS.argon2Parallelism
      )
        return 'argon2 parameters are too large';
    } catch {
      return 'malformed argon2 hash';
    }
  }
  if (family === 'pbkdf2')
    return decodePBKDF2(hashed) ? undefined : 'malformed or oversized pbkdf2 hash';
  if (family === 'scrypt')
    return decodeScrypt(hashed) ? undefined : 'malformed or oversized scrypt hash';
  return undefined;
}

export async function verifyHash(password: string, hashed: string): Promise<boolean> {
  switch (hashFamily(hashed)) {
    case 'ssha':
    case 'sha':
    case 'md5':
    case 'hmac':
    case 'firescrypt':
      return verifyDigestHash(password, hashed).catch(() => false);
    case 'md5-crypt':
    case 'sha256-crypt':
    case 'sha512-crypt':
      return verifyCryptHash(password, hashed).catch(() => false);
    case 'bcrypt':
      if (Buffer.byteLength(password) > BCRYPT_MAX_BYTES) return false;
      if (checkImportedHash(hashed)) return false;
      return bcryptVerify(password, hashed);
    case 'argon2id':
    case 'argon2i':
      return checkImportedHash(hashed) ? false : argon2Verify(hashed, password).catch(() => false);
    case 'pbkdf2':
      return verifyPBKDF2(password, hashed);
    case 'scrypt':
      return verifyScrypt(password, hashed);
    default:
      return false;
  }
}

function decodePBKDF2(hashed: string) {
  const m = PBKDF2.exec(hashed);
  const salt = m && strictBase64(m[4]!, false);
  const hash = m && strictBase64(m[5]!, false);
  if (!m || !salt || !hash) return undefined;
  const iterations = Number(m[2]);
  if (iterations < 1 || iterations > LIMITS.pbkdf2Iterations) return undefined;
  return { digest: m[1]!, iterations, salt, hash };
}

async function verifyPBKDF2(password: string, hashed: string): Promise<boolean> {
  const p = decodePBKDF2(hashed);
  if (!p) return false;
  // Kratos derives as many bytes as the stored hash has (KeyLength is overwritten by len(hash)).
  const derived = await pbkdf2Async(password, p.salt, p.iterations, p.hash.length, p.digest);
  return timingSafeEqual(derived, p.hash);
}

function decodeScrypt(hashed: string) {
  const m = SCRYPT.exec(hashed);
  const salt = m && strictBase64(m[4]!, true);
  const hash = m && strictBase64(m[5]!, true);
  if (!m || !salt || !hash) return undefined;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // N must be a power of two greater than 1 (scrypt's own rule).
  if (N < 2 || N > LIMITS.scryptN || (N & (N - 1)) !== 0) return undefined;
  if (r < 1 || r > LIMITS.scryptR || p < 1 || p > LIMITS.scryptP) return undefined;
  if (128 * N * r > 1024 ** 3) return undefined;
  return { N, r, p, salt, hash };
}

async function verifyScrypt(password: string, hashed: string): Promise<boolean> {
  const s = decodeScrypt(hashed);
  if (!s) return false;
  const derived = await scryptAsync(password, s.salt, s.hash.length, {
    N: s.N,
    r: s.r,
    p: s.p,
    maxmem: 128 * s.N * s.r * 2 + 1024 * 1024,
  });
  return timingSafeEqual(derived, s.hash);
}

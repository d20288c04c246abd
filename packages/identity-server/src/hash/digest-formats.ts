// Imported password hashes from older systems that Kratos also accepts (hash/hash_comparator.go):
// LDAP-style salted SHA, templated SHA/MD5, HMAC and Firebase's scrypt variant. They are only ever
// compared, never produced: after a successful login the credential is re-hashed with the
// configured hasher (hasher.needsRehash), as Kratos does.
//   {SSHA}… {SSHA256}… {SSHA512}…            base64(digest ‖ salt), salt at least one byte
//   $sha1|sha256|sha512$pf=<b64 template>$<b64 salt>$<b64 digest>
//   $md5$<b64 digest>   or   $md5$pf=<b64 template>$<b64 salt>$<b64 digest>
//        (template: {SALT} and {PASSWORD} are replaced in one pass, e.g. "{SALT}{PASSWORD}")
//   $hmac-<md4|md5|sha1|sha224|sha256|sha384|sha512>$<b64 of the hex digest>$<b64 key>
//   $firescrypt$ln=<mem_cost>,r=<rounds>,p=<parallelism>$<b64 salt>$<b64 hash>$<b64 separator>$<b64 signer key>
//        (scrypt with N = 2^mem_cost over salt ‖ separator, 32-byte key; the hash is the signer key
//        encrypted with AES-256-CTR under that key and a zero IV)
import { createCipheriv, createHash, createHmac, scrypt, timingSafeEqual } from 'node:crypto';
import { hmacMD4 } from './md4.ts';

export type DigestFamily = 'ssha' | 'sha' | 'md5' | 'hmac' | 'firescrypt';

/** Padded, canonical base64 (Go's StdEncoding.Strict()); empty text decodes to no bytes. */
function strictPadded(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

const SSHA = /^\{(SSHA|SSHA256|SSHA512)\}([A-Za-z0-9+/=]+)$/;
const SSHA_DIGEST = {
  SSHA: ['sha1', 20],
  SSHA256: ['sha256', 32],
  SSHA512: ['sha512', 64],
} as const;
const SHA = /^\$(sha1|sha256|sha512)\$pf=([^$]+)\$([^$]*)\$([^$]+)$/;
const MD5_PLAIN = /^\$md5\$([^$]+)$/;
const MD5_TEMPLATE = /^\$md5\$pf=([^$]+)\$([^$]*)\$([^$]+)$/;
const HMAC = /^\$hmac-(md4|md5|sha1|sha224|sha256|sha384|sha512)\$([^$]+)\$([^$]+)$/;
const FIRESCRYPT =
  /^\$firescrypt\$ln=(\d{1,9}),r=(\d{1,9}),p=(\d{1,9})\$([^$]*)\$([^$]+)\$([^$]*)\$([^$]+)$/;

// Kratos's bounds for Firebase scrypt (hash/hash_limits.go): one stored hash must not be able to
// exhaust memory or CPU at login (N ≤ 2^17, r ≤ 8: at most 128 MiB per compare).
const FIRESCRYPT_LIMITS = { ln: 17, r: 8, p: 10 };

export function digestFamily(hashed: string): DigestFamily | undefined {
  if (hashed.startsWith('{SSHA')) return 'ssha';
  if (/^\$sha(1|256|512)\$/.test(hashed)) return 'sha';
  if (hashed.startsWith('$md5$')) return 'md5';
  if (/^\$hmac-/.test(hashed)) return 'hmac';
  if (hashed.startsWith('$firescrypt$')) return 'firescrypt';
  return undefined;
}

interface Decoded {
  /** Recomputes the stored value from a candidate password. */
  derive(password: Buffer): Promise<Buffer> | Buffer;
  expected: Buffer;
}

/** {SALT} and {PASSWORD} replaced in one left-to-right pass, byte for byte. */
function fillTemplate(template: Buffer, salt: Buffer, password: Buffer): Buffer {
  const parts: Buffer[] = [];
  const text = template.toString('latin1'); // one char per byte: offsets stay byte offsets
  let last = 0;
  for (const m of text.matchAll(/\{SALT\}|\{PASSWORD\}/g)) {
    parts.push(template.subarray(last, m.index), m[0] === '{SALT}' ? salt : password);
    last = m.index + m[0].length;
  }
  parts.push(template.subarray(last));
  return Buffer.concat(parts);
}

function decode(hashed: string): Decoded | undefined {
  let m: RegExpExecArray | null;
  if ((m = SSHA.exec(hashed))) {
    const [algorithm, size] = SSHA_DIGEST[m[1] as keyof typeof SSHA_DIGEST];
    const raw = Buffer.from(m[2]!, 'base64');
    if (raw.length < size + 1) return undefined;
    const salt = raw.subarray(size);
    return {
      expected: raw.subarray(0, size),
      derive: (pw) => createHash(algorithm).update(pw).update(salt).digest(),
    };
  }
  if ((m = SHA.exec(hashed)) || (m = MD5_TEMPLATE.exec(hashed))) {
    const algorithm = hashed.startsWith('$md5$') ? 'md5' : m[1]!;
    const [template, salt, expected] = (
      algorithm === 'md5' ? [m[1], m[2], m[3]] : [m[2], m[3], m[4]]
    ).map((part) => strictPadded(part!));
    if (!template?.length || !salt || !expected?.length) return undefined;
    return {
      expected,
      derive: (pw) =>
        createHash(algorithm)
          .update(fillTemplate(template, salt, pw))
          .digest(),
    };
  }
  if ((m = MD5_PLAIN.exec(hashed))) {
    const expected = strictPadded(m[1]!);
    if (!expected?.length) return undefined;
    return { expected, derive: (pw) => createHash('md5').update(pw).digest() };
  }
  if ((m = HMAC.exec(hashed))) {
    const [expected, key] = [strictPadded(m[2]!), strictPadded(m[3]!)];
    if (!expected?.length || !key?.length) return undefined;
    const algorithm = m[1]!;
    // The stored value is the hex text of the MAC, not its bytes.
    const mac = (pw: Buffer) =>
      algorithm === 'md4' ? hmacMD4(key, pw) : createHmac(algorithm, key).update(pw).digest();
    return { expected, derive: (pw) => Buffer.from(mac(pw).toString('hex')) };
  }
  if ((m = FIRESCRYPT.exec(hashed))) {
    const [ln, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
    if (ln < 1 || ln > FIRESCRYPT_LIMITS.ln || r < 1 || r > FIRESCRYPT_LIMITS.r) return undefined;
    if (p < 1 || p > FIRESCRYPT_LIMITS.p) return undefined;
    const [salt, expected, separator, signerKey] = [m[4], m[5], m[6], m[7]].map((part) =>
      strictPadded(part!),
    );
    if (!salt || !expected?.length || !separator || !signerKey?.length) return undefined;
    const N = 2 ** ln;
    return {
      expected,
      derive: (pw) =>
        new Promise<Buffer>((resolve, reject) =>
          scrypt(
            pw,
            Buffer.concat([salt, separator]),
            32,
            { N, r, p, maxmem: 256 * N * r + 1024 * 1024 },
            (err, key) => {
              if (err) return reject(err);
              const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
              resolve(Buffer.concat([cipher.update(signerKey), cipher.final()]));
            },
          ),
        ),
    };
  }
  return undefined;
}

/** Why an imported hash of these families cannot be used, or undefined when it can. */
export function checkDigestHash(hashed: string): string | undefined {
  return decode(hashed) ? undefined : `malformed or unsupported ${digestFamily(hashed)} hash`;
}

export async function verifyDigestHash(password: string, hashed: string): Promise<boolean> {
  const decoded = decode(hashed);
  if (!decoded) return false;
  const derived = await decoded.derive(Buffer.from(password, 'utf8'));
  return derived.length === decoded.expected.length && timingSafeEqual(derived, decoded.expected);
}

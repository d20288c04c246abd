// crypt(3) hashes Kratos imports under its own prefixes (hash/hash_comparator.go): `$md5-crypt$…`
// is `$1$…` (MD5-crypt), `$sha256-crypt$…` is `$5$…` and `$sha512-crypt$…` is `$6$…` (SHA-crypt,
// with an optional `rounds=N$`). Implemented from the published algorithms (Poul-Henning Kamp's
// MD5-crypt, Ulrich Drepper's SHA-crypt specification) on node:crypto; compare-only, rehashed on login.
import { createHash, timingSafeEqual } from 'node:crypto';

const ITOA64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// SHA-crypt's rounds come from the imported hash: bound the work of one comparison (passlib's
// defaults, 535000 and 656000, fit), and yield to the event loop while stretching so a login with
// such a hash never stalls other requests.
const MAX_SHA_ROUNDS = 1_000_000;
const ROUNDS_PER_SLICE = 20_000;
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

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

/** crypt's base-64: `count` characters from the low bits of three bytes (b2 b1 b0). */
function b64From24(b2: number, b1: number, b0: number, count: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0;
  let out = '';
  for (let i = 0; i < count; i++) {
    out += ITOA64[w & 0x3f];
    w >>= 6;
  }
  return out;
}

function encode(bytes: Buffer, groups: number[][], tail: number[], tailChars: number): string {
  let out = '';
  for (const [a, b, c] of groups) out += b64From24(bytes[a!]!, bytes[b!]!, bytes[c!]!, 4);
  const [t2, t1, t0] = tail.map((i) => (i < 0 ? 0 : bytes[i]!));
  return out + b64From24(t2!, t1!, t0!, tailChars);
}

const md5 = (...parts: Buffer[]) => {
  const h = createHash('md5');
  for (const p of parts) h.update(p);
  return h.digest();
};

function md5Crypt(password: Buffer, salt: Buffer): string {
  const alternate = md5(password, salt, password);
  const parts: Buffer[] = [password, Buffer.from('$1$'), salt];
  for (let left = password.length; left > 0; left -= 16) {
    parts.push(alternate.subarray(0, Math.min(left, 16)));
  }
  for (let i = password.length; i > 0; i >>= 1) {
    parts.push(i & 1 ? Buffer.alloc(1) : password.subarray(0, 1));
  }
  let final = md5(...parts);
  for (let i = 0; i < 1000; i++) {
    const round: Buffer[] = [i & 1 ? password : final];
    if (i % 3) round.push(salt);
    if (i % 7) round.push(password);
    round.push(i & 1 ? final : password);
    final = md5(...round);
  }
  return encode(
    final,
    [
      [0, 6, 12],
      [1, 7, 13],
      [2, 8, 14],
      [3, 9, 15],
      [4, 10, 5],
    ],
    [-1, -1, 11],
    2,
  );
}

/** Byte order of SHA-crypt's output encoding: groups of three, then the remaining byte(s). */
const SHA256_ORDER = {
  groups: [
    [0, 10, 20],
    [21, 1, 11],
    [12, 22, 2],
    [3, 13, 23],
    [24, 4, 14],
    [15, 25, 5],
    [6, 16, 26],
    [27, 7, 17],
    [18, 28, 8],
    [9, 19, 29],
  ],
  tail: [-1, 31, 30],
  tailChars: 3,
};
const SHA512_ORDER = {
  groups: [
    [0, 21, 42],
    [22, 43, 1],
    [44, 2, 23],
    [3, 24, 45],
    [25, 46, 4],
    [47, 5, 26],
    [6, 27, 48],
    [28, 49, 7],
    [50, 8, 29],
    [9, 30, 51],
    [31, 52, 10],
    [53, 11, 32],
    [12, 33, 54],
    [34, 55, 13],
    [56, 14, 35],
    [15, 36, 57],
    [37, 58, 16],
    [59, 17, 38],
    [18, 39, 60],
    [40, 61, 19],
    [62, 20, 41],
  ],
  tail: [-1, -1, 63],
  tailChars: 2,
};

async function shaCrypt(
  bits: 256 | 512,
  password: Buffer,
  salt: Buffer,
  rounds: number,
): Promise<string> {
  const algorithm = bits === 256 ? 'sha256' : 'sha512';
  const size = bits / 8;
  const digest = (...parts: Buffer[]) => {
    const h = createHash(algorithm);
    for (const p of parts) h.update(p);
    return h.digest();
  };
  const b = digest(password, salt, password);
  const a: Buffer[] = [password, salt];
  let left = password.length;
  for (; left > size; left -= size) a.push(b);
  a.push(b.subarray(0, left));
  for (let i = password.length; i > 0; i >>= 1) a.push(i & 1 ? b : password);
  let c = digest(...a);
  const repeat = (source: Buffer, times: number) => digest(...Array<Buffer>(times).fill(source));
  const stretch = (block: Buffer, length: number) =>
    Buffer.concat(Array<Buffer>(Math.ceil(length / size) || 0).fill(block)).subarray(0, length);
  const p = stretch(repeat(password, password.length), password.length);
  const s = stretch(repeat(salt, 16 + c[0]!), salt.length);
  for (let i = 0; i < rounds; i++) {
    if (i % ROUNDS_PER_SLICE === ROUNDS_PER_SLICE - 1) await nextTick();
    const h = createHash(algorithm);
    h.update(i & 1 ? p : c);
    if (i % 3) h.update(s);
    if (i % 7) h.update(p);
    h.update(i & 1 ? c : p);
    c = h.digest();
  }
  const order = bits === 256 ? SHA256_ORDER : SHA512_ORDER;
  return encode(c, order.groups, order.tail, order.tailChars);
}

interface Decoded {
  compute(password: Buffer): string | Promise<string>;
  expected: string;
}

function decode(hashed: string): Decoded | undefined {
  let m = MD5_CRYPT.exec(hashed);
  if (m) {
    const salt = Buffer.from(m[1]!, 'latin1');
    return { expected: m[2]!, compute: (pw) => md5Crypt(pw, salt) };
  }
  m = SHA_CRYPT.exec(hashed);
  if (m) {
    const bits = m[1] === '256' ? 256 : 512;
    if ((bits === 256) !== (m[4]!.length === 43)) return undefined;
    // Drepper: rounds default to 5000 and are clamped to [1000, 999999999].
    const rounds = m[2] === undefined ? 5000 : Math.max(1000, Number(m[2]));
    if (rounds > MAX_SHA_ROUNDS) return undefined;
    const salt = Buffer.from(m[3]!, 'latin1');
    return { expected: m[4]!, compute: (pw) => shaCrypt(bits, pw, salt, rounds) };
  }
  return undefined;
}

export function checkCryptHash(hashed: string): string | undefined {
  return decode(hashed) ? undefined : `malformed or unsupported ${cryptFamily(hashed)} hash`;
}

export async function verifyCryptHash(password: string, hashed: string): Promise<boolean> {
  const decoded = decode(hashed);
  if (!decoded) return false;
  const computed = Buffer.from(await decoded.compute(Buffer.from(password, 'utf8')));
  const expected = Buffer.from(decoded.expected);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

// MD4 (RFC 1320) and HMAC-MD4 (RFC 2104), only to compare imported `$hmac-md4$` password hashes,
// which Kratos accepts: Node's OpenSSL 3 build does not load the legacy provider that has MD4.
const rotl = (x: number, s: number) => ((x << s) | (x >>> (32 - s))) >>> 0;

const ROUND2 = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
const ROUND3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];

export function md4(message: Buffer): Buffer {
  const padded = Buffer.alloc((((message.length + 8) >> 6) + 1) * 64);
  message.copy(padded);
  padded[message.length] = 0x80;
  const bits = BigInt(message.length) * 8n;
  padded.writeBigUInt64LE(bits, padded.length - 8);
  let [a, b, c, d] = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const x = new Array<number>(16);
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i++) x[i] = padded.readUInt32LE(offset + i * 4);
    const [aa, bb, cc, dd] = [a, b, c, d];
    const step = (
      f: (p: number, q: number, r: number) => number,
      k: number,
      s: number,
      add: number,
    ) => {
      const t = rotl((a + f(b, c, d) + x[k]! + add) >>> 0, s);
      [a, b, c, d] = [d, t, b, c];
    };
    const F = (p: number, q: number, r: number) => (p & q) | (~p & r);
    const G = (p: number, q: number, r: number) => (p & q) | (p & r) | (q & r);
    const H = (p: number, q: number, r: number) => p ^ q ^ r;
    for (let i = 0; i < 16; i++) step(F, i, [3, 7, 11, 19][i % 4]!, 0);
    for (let i = 0; i < 16; i++) step(G, ROUND2[i]!, [3, 5, 9, 13][i % 4]!, 0x5a827999);
    for (let i = 0; i < 16; i++) step(H, ROUND3[i]!, [3, 9, 11, 15][i % 4]!, 0x6ed9eba1);
    [a, b, c, d] = [(a + aa) >>> 0, (b + bb) >>> 0, (c + cc) >>> 0, (d + dd) >>> 0];
  }
  const out = Buffer.alloc(16);
  [a, b, c, d].forEach((word, i) => out.writeUInt32LE(word, i * 4));
  return out;
}

export function hmacMD4(key: Buffer, message: Buffer): Buffer {
  const block = Buffer.alloc(64);
  (key.length > 64 ? md4(key) : key).copy(block);
  const pad = (byte: number) => Buffer.from(block.map((v) => v ^ byte));
  return md4(Buffer.concat([pad(0x5c), md4(Buffer.concat([pad(0x36), message]))]));
}

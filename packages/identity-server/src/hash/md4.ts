// MD4 (RFC 1320, from js-md4) and HMAC-MD4 (RFC 2104), only to compare imported `$hmac-md4$`
// password hashes, which Kratos accepts: Node's OpenSSL 3 build does not load the legacy provider
// that has MD4, so node:crypto cannot compute it.
import md4lib from 'js-md4';

export function md4(message: Buffer): Buffer {
  return Buffer.from(md4lib.arrayBuffer(message));
}

export function hmacMD4(key: Buffer, message: Buffer): Buffer {
  const block = Buffer.alloc(64);
  (key.length > 64 ? md4(key) : key).copy(block);
  const pad = (byte: number) => Buffer.from(block.map((v) => v ^ byte));
  return md4(Buffer.concat([pad(0x5c), md4(Buffer.concat([pad(0x36), message]))]));
}

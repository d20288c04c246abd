// The signer's MAC is HMAC-SHA256 exactly as createHmac() computes it, for any secret (ASCII up to
// a block takes the precomputed-pads path, anything else createHmac itself) and any data, lone
// surrogates included: the apps verify it with createHmac.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { signatureMAC } from '../../src/identity-headers/sign.ts';

const reference = (secret: string, data: string) =>
  createHmac('sha256', Buffer.from(secret, 'utf8')).update(data).digest('base64url');

test('signatureMAC is createHmac(sha256) for any secret and data (property)', () => {
  const secret = fc.oneof(
    fc.string({ unit: 'binary-ascii', minLength: 32, maxLength: 64 }), // the pads path
    fc.string({ unit: 'binary-ascii', minLength: 65, maxLength: 200 }), // longer than a block
    fc.string({ unit: 'binary', minLength: 32, maxLength: 80 }), // non-ASCII
  );
  fc.assert(
    fc.property(secret, fc.string({ unit: 'binary', maxLength: 600 }), (key, data) => {
      assert.equal(signatureMAC(key, data), reference(key, data));
      // Twice: the reused outer buffer keeps nothing of the previous call.
      assert.equal(signatureMAC(key, `${data}x`), reference(key, `${data}x`));
    }),
    { numRuns: 500 },
  );
});

test('edges of the pads path: exactly 64 bytes, 65, a multi-byte character, an empty message', () => {
  for (const key of [
    'k'.repeat(64),
    'k'.repeat(65),
    `${'k'.repeat(62)}é`,
    `${'k'.repeat(40)}\u{1F600}`,
    '\u0000'.repeat(32),
  ]) {
    for (const data of ['', '["v1","1","n","GET","/","","",""]', '\uD800', 'é'.repeat(300)]) {
      assert.equal(signatureMAC(key, data), reference(key, data), `${JSON.stringify(key)} ${data}`);
    }
  }
});

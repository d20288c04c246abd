// Signature checks switched off by a NaN window: Number(process.env.UNSET) as maxAgeSeconds or
// clockSkewSeconds made every expiry and replay comparison false, so forged-old and replayed identity
// headers verified. Fixed in cca6698: NaN, negative or infinite windows are a startup error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHeaderVerifier } from '../../src/identity-headers/verify.ts';
import { SECRET } from '../support/signed-headers.ts';

test('a NaN, negative or infinite validity window is refused when the verifier is built', () => {
  // Number(process.env.UNSET) is NaN: accepted, it would switch off expiry and replay checks.
  for (const bad of [NaN, -1, Infinity]) {
    assert.throws(
      () => createHeaderVerifier({ secret: SECRET, maxAgeSeconds: bad }),
      /maxAgeSeconds must be a finite number/,
    );
    assert.throws(
      () => createHeaderVerifier({ secret: SECRET, clockSkewSeconds: bad }),
      /clockSkewSeconds must be a finite number/,
    );
  }
  assert.throws(
    () => createHeaderVerifier({ secret: SECRET, maxRememberedNonces: 0 }),
    /maxRememberedNonces/,
  );
  // Zero is a legal (strict) window.
  assert.doesNotThrow(() => createHeaderVerifier({ secret: SECRET, maxAgeSeconds: 0 }));
});

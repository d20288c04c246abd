import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KratosError } from '../../src/http/errors.ts';
import {
  decodePageToken,
  encodePageToken,
  InvalidPageTokenError,
} from '../../src/persistence/index.ts';

test('page tokens round-trip and are URL-safe', () => {
  fc.assert(
    fc.property(fc.uuid(), fc.date({ noInvalidDate: true }), (id, date) => {
      const token = encodePageToken({ id, c: date.toISOString() });
      assert.match(token, /^[A-Za-z0-9_-]+$/);
      assert.deepEqual(decodePageToken(token, ['id', 'c']), { id, c: date.toISOString() });
    }),
  );
});

test('property: any client-supplied token either decodes or is a Kratos 400, never another error', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.base64String(),
        fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
      ),
      (token) => {
        try {
          const key = decodePageToken(token, ['id']);
          assert.equal(typeof key.id, 'string');
        } catch (err) {
          assert.ok(err instanceof InvalidPageTokenError);
          assert.ok(err instanceof KratosError);
          assert.equal(err.code, 400);
        }
      },
    ),
    { numRuns: 500 },
  );
});

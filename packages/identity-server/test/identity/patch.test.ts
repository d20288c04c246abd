import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { KratosError } from '../../src/http/errors.ts';
import { applyIdentityPatch } from '../../src/identity/index.ts';

const document = () => ({
  id: '5b0c1f0e-8f1e-4e63-9c53-2f3d0c1f9e11',
  state: 'active',
  traits: { email: 'ada@example.com', name: { first: 'Ada' } },
  metadata_public: { role: 'user' },
  metadata_admin: null,
});

test('applies RFC 6902 operations without touching the input document', () => {
  const before = document();
  const after = applyIdentityPatch(before, [
    { op: 'replace', path: '/traits/name/first', value: 'Grace' },
    { op: 'move', from: '/metadata_public/role', path: '/metadata_public/title' },
    { op: 'add', path: '/metadata_admin', value: { seen: true } },
  ]);
  assert.deepEqual(after.traits, { email: 'ada@example.com', name: { first: 'Grace' } });
  assert.deepEqual(after.metadata_public, { title: 'user' });
  assert.deepEqual(after.metadata_admin, { seen: true });
  assert.deepEqual(before, document(), 'input untouched');
});

test('property: arbitrary patch documents give a result or a Kratos 400, never another error', () => {
  const op = fc.record({
    op: fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test', 'bogus'),
    path: fc.oneof(
      fc.constantFrom(
        '/id',
        '/traits/email',
        '/metadata_public/x',
        '/credentials',
        '/__proto__/x',
        '',
      ),
      fc.string(),
    ),
    from: fc.oneof(fc.constant(undefined), fc.constantFrom('/traits', '/id'), fc.string()),
    value: fc.jsonValue({ maxDepth: 2 }),
  });
  fc.assert(
    fc.property(fc.oneof(fc.array(op, { maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })), (ops) => {
      try {
        const out = applyIdentityPatch(document(), ops);
        assert.equal(out.id, document().id, 'id never changes');
      } catch (err) {
        assert.ok(err instanceof KratosError, String(err));
        assert.equal(err.code, 400);
      }
      assert.equal(({} as Record<string, unknown>).x, undefined, 'no prototype pollution');
    }),
    { numRuns: 500 },
  );
});

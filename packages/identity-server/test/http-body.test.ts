import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandDotted, parseBody } from '../src/http/body.ts';
import { KratosError } from '../src/http/errors.ts';

test('expandDotted nests traits and ignores prototype-polluting keys', () => {
  const out = expandDotted([
    ['traits.name.first', 'Ada'],
    ['traits.email', 'ada@example.com'],
    ['__proto__.polluted', 'yes'],
    ['traits.constructor.x', 'no'],
  ]);
  assert.deepEqual(JSON.parse(JSON.stringify(out)), {
    traits: { name: { first: 'Ada' }, email: 'ada@example.com' },
  });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('parseBody rejects malformed JSON with a Kratos 400, and oversized bodies with 413', async () => {
  const bad = new Request('http://x/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{nope',
  });
  await assert.rejects(parseBody(bad), (e: unknown) => e instanceof KratosError && e.code === 400);
  const big = new Request('http://x/', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: 'x'.repeat(100),
  });
  await assert.rejects(
    parseBody(big, 10),
    (e: unknown) => e instanceof KratosError && e.code === 413,
  );
  const xml = new Request('http://x/', {
    method: 'POST',
    headers: { 'content-type': 'text/xml' },
    body: '<a/>',
  });
  await assert.rejects(parseBody(xml), (e: unknown) => e instanceof KratosError && e.code === 415);
});

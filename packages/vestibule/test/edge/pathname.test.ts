// The router's pathname fast path (plain paths skip URL parsing) must route exactly as the WHATWG
// parser would: a path that normalises differently could reach the gateway instead of a part.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { pathnameOf } from '../../src/edge/create-edge.ts';

const whatwg = (url: string) => {
  try {
    return new URL(url, 'http://edge.invalid').pathname;
  } catch {
    return undefined;
  }
};

test('pathnameOf equals the WHATWG pathname for any request target', () => {
  const chars = [...'abcAZ09-_~!$&\'()*+,;=:@/.%2eE?#\\ "<>`{}|^[]é'];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 24 }), (parts) => {
      const url = '/' + parts.join('');
      assert.equal(pathnameOf(url), whatwg(url), url);
    }),
    { numRuns: 20_000 },
  );
  for (const url of [
    '/health',
    '/api/ory/x',
    '/a/../health',
    '/a/./b',
    '/.well-known/x',
    '/x.y/z',
    '/%2e%2e/health',
    '/..',
    '/a/..',
  ]) {
    assert.equal(pathnameOf(url), whatwg(url), url);
  }
  assert.equal(pathnameOf('http://x/y'), undefined);
});

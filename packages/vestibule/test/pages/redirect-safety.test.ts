// Open-redirect safety of the targets the pages choose themselves (fast-check): a browser following
// the result always stays on the edge's origin, whatever the attacker put in `return_to`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { safeLocation } from '../../src/pages/context.ts';
import { safeReturnTo } from '../../src/pages/flow-errors.ts';
import { createRestartBreaker } from '../../src/pages/restart-breaker.ts';
import { safeURL } from '../../src/pages/ui/safe-url.ts';

const ORIGIN = 'https://app.example';
const hostile = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.webUrl(),
  fc.constantFrom(
    '//evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    'https:evil.example',
    '/%2F%2Fevil.example',
    'javascript:alert(1)',
    ' //evil.example',
    '\t//evil.example',
    '/\t/evil.example',
    'https://app.example@evil.example/',
    '/.//evil.example',
    '/a/..//evil.example',
  ),
  fc
    .tuple(fc.constantFrom('/', '//', '/\\', '\\/', ' /', '/./', '/.//'), fc.string())
    .map(([a, b]) => a + b),
);

test('safeReturnTo: the browser lands on the same origin or on the fallback (property)', () => {
  fc.assert(
    fc.property(hostile, (wanted) => {
      const page = new URL(`${ORIGIN}/login`);
      page.searchParams.set('return_to', wanted);
      const target = safeReturnTo(page, '/fallback');
      // Resolve exactly as a browser resolves a Location header against the current page.
      assert.equal(new URL(target, page).origin, ORIGIN, `${JSON.stringify(wanted)} → ${target}`);
      assert.ok(target.startsWith('/') && !target.startsWith('//') && !target.startsWith('/\\'));
    }),
    { numRuns: 2000 },
  );
});

test('safeLocation: never an active scheme; relative targets never leave the origin (property)', () => {
  fc.assert(
    fc.property(hostile, (location) => {
      const target = safeLocation(location, '/fallback');
      const resolved = new URL(target, `${ORIGIN}/login`);
      assert.ok(resolved.protocol === 'https:' || resolved.protocol === 'http:', target);
      if (!/^https?:\/\//i.test(target)) assert.equal(resolved.origin, ORIGIN, target);
    }),
    { numRuns: 2000 },
  );
});

test('restart counter: arbitrary cookie headers never crash and never count past the limit (property)', () => {
  const breaker = createRestartBreaker({
    secret: Buffer.alloc(32, 1),
    limit: 3,
    windowMs: 60_000,
    now: () => 1_000_000,
    cookiePath: '/',
  });
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (header) => {
      const decision = breaker.next(header, false);
      // Without our own signature the counter restarts at one: a forged value cannot raise or lower it.
      assert.ok(decision.allowed);
      assert.match(decision.setCookie, /^vestibule_restarts=1\./);
    }),
  );
});

test('safeURL (href/src/action): never an active scheme; relative URLs never leave the origin (property)', () => {
  fc.assert(
    fc.property(hostile, (url) => {
      const out = safeURL(url, (u) => u, { allowDataImage: false });
      if (out === undefined) return;
      const resolved = new URL(out, `${ORIGIN}/login`);
      assert.ok(resolved.protocol === 'https:' || resolved.protocol === 'http:', out);
      if (!/^https?:\/\//i.test(out)) assert.equal(resolved.origin, ORIGIN, out);
    }),
    { numRuns: 2000 },
  );
});

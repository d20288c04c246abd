// Regression: with Hydra's wildcard strategy anyone may send `/oauth2/auth?scope=notes.<random>`
// for a client registered with `notes.*`, and each allowed scope joins oidc-provider's known-scope
// Set. Unbounded, that Set grows for as long as the process lives; it is held to a budget.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KnownScopes, WILDCARD_SCOPE_BUDGET } from '../../src/oauth2/scopes.ts';

describe('wildcard scope memory budget', () => {
  test('wildcard-allowed scopes stay within the budget, oldest forgotten first; registered ones stay', () => {
    const set = new Set(['openid']);
    const known = new KnownScopes(set, { count: 3, chars: 1_000 });
    known.register('notes.*');
    for (let i = 0; i < 1_000; i++) known.learn(`notes.${i}`);
    assert.deepEqual([...set].sort(), ['notes.*', 'notes.997', 'notes.998', 'notes.999', 'openid']);
    // A scope used again is young again; a standard or registered one is never learned or forgotten.
    known.learn('notes.997');
    known.learn('openid');
    known.learn('notes.*');
    known.learn('notes.x');
    assert.deepEqual([...set].sort(), ['notes.*', 'notes.997', 'notes.999', 'notes.x', 'openid']);
  });

  test('the character budget bounds long scopes too', () => {
    const set = new Set<string>();
    const known = new KnownScopes(set, { count: 1_000, chars: 100 });
    for (let i = 0; i < 50; i++) known.learn(`${'x'.repeat(40)}.${i}`);
    assert.ok([...set].join('').length <= 100);
    assert.ok(set.has(`${'x'.repeat(40)}.49`));
  });

  test('a learned scope later registered by a client is kept for good', () => {
    const set = new Set<string>();
    const known = new KnownScopes(set, { count: 1, chars: 1_000 });
    known.learn('notes.read');
    known.register('notes.read');
    known.learn('notes.write');
    known.learn('notes.other');
    assert.deepEqual([...set].sort(), ['notes.other', 'notes.read']);
  });
});

test('the default budget is finite', () => {
  const set = new Set<string>();
  const known = new KnownScopes(set);
  for (let i = 0; i < WILDCARD_SCOPE_BUDGET.count + 500; i++) known.learn(`notes.${i}`);
  assert.equal(set.size, WILDCARD_SCOPE_BUDGET.count);
});

// The gateway's scope matching is Hydra's (fosite's scope_strategy_test.go cases), plus what an
// attacker holding a token would try against a rule requiring `notes.read`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  exactScopeMatch,
  scopeMatcher,
  wildcardScopeMatch,
} from '../../src/access-token/scope-strategy.ts';

type Matcher = (granted: readonly string[], required: string) => boolean;

function check(match: Matcher, granted: string[], satisfied: string[], unsatisfied: string[]) {
  for (const scope of satisfied) assert.ok(match(granted, scope), `${granted} satisfies ${scope}`);
  for (const scope of unsatisfied) {
    assert.ok(!match(granted, scope), `${granted} does not satisfy ${scope}`);
  }
}

describe('wildcard (fosite WildcardScopeStrategy, Hydra default)', () => {
  test('nothing granted satisfies nothing', () => {
    check(wildcardScopeMatch, [], [], ['foo.bar.baz', 'foo', 'openid', '']);
  });
  test('`*` alone satisfies any scope with a non-empty first segment', () => {
    check(wildcardScopeMatch, ['*'], ['asdf', 'asdf.asdf', 'notes.read'], ['', '.read']);
  });
  test('without `*` the match is exact', () => {
    check(wildcardScopeMatch, ['foo'], ['foo'], ['*', 'foo.*', 'fo*', 'foo.bar', 'Foo']);
  });
  test('`*` inside a segment is literal', () => {
    check(wildcardScopeMatch, ['foo*'], ['foo*'], ['foo', 'fooa', 'fo', 'foo.bar']);
  });
  test('a trailing `*` covers one or more further segments, never none', () => {
    check(wildcardScopeMatch, ['foo.*'], ['foo.bar', 'foo.baz', 'foo.bar.baz'], ['foo', 'foo.']);
  });
  test('a middle `*` is exactly one non-empty segment', () => {
    check(
      wildcardScopeMatch,
      ['foo.*.baz'],
      ['foo.*.baz', 'foo.bar.baz'],
      ['foo..baz', 'foo.baz', 'foo', 'foo.bar.bar', 'foo.bar.baz.qux'],
    );
  });
  test('several `*` segments', () => {
    check(
      wildcardScopeMatch,
      ['foo.*.bar.*'],
      ['foo.baz.bar.baz', 'foo.baz.bar.bar.bar', 'foo.1.bar.1.2.3'],
      ['foo.baz.baz.bar.baz', 'foo.baz.bar'],
    );
  });
  test('a leading `*` segment', () => {
    check(wildcardScopeMatch, ['*.read'], ['notes.read', 'files.read'], ['notes.write', 'read']);
  });
  test('any one granted scope may satisfy the requirement', () => {
    check(wildcardScopeMatch, ['openid', 'notes.*'], ['openid', 'notes.read'], ['email']);
  });
});

describe('exact (fosite ExactScopeStrategy)', () => {
  test('names must be equal; `*` is just a character', () => {
    check(exactScopeMatch, ['foo.*', '*'], ['foo.*', '*'], ['foo.bar', 'foo', 'bar']);
    check(exactScopeMatch, ['foo.bar'], ['foo.bar'], ['foo', 'foo.bar.baz', 'Foo.bar']);
  });
});

describe('what a token holder might try against a rule requiring notes.read', () => {
  const both = (granted: string[]) =>
    (['exact', 'wildcard'] as const).map((s) => scopeMatcher(s)(granted, 'notes.read'));

  for (const granted of [
    ['notes'], // not hierarchical: the parent scope is not every child
    ['notes.read.evil'], // a longer scope is a different scope
    ['notes.readx'],
    ['notes.re*'], // partial-segment wildcards are literal
    ['Notes.Read'], // case matters
    ['NOTES.*'],
    ['notes.read '],
    [' notes.read'],
    [''],
    ['notes.'],
    ['.read'],
    ['notes', 'read'],
    ['notes.*.*'], // needs at least three segments
  ]) {
    test(`granted ${JSON.stringify(granted)} never satisfies it`, () => {
      assert.deepEqual(both(granted), [false, false]);
    });
  }

  test('granted notes.read satisfies it either way', () => {
    assert.deepEqual(both(['notes.read']), [true, true]);
  });

  test('granted notes.* or * satisfies it under wildcard only', () => {
    assert.deepEqual(both(['notes.*']), [false, true]);
    assert.deepEqual(both(['*']), [false, true]);
    assert.deepEqual(both(['*.read']), [false, true]);
  });

  test('granted notes.read does not satisfy notes.read.evil or notes', () => {
    for (const strategy of ['exact', 'wildcard'] as const) {
      assert.equal(scopeMatcher(strategy)(['notes.read'], 'notes.read.evil'), false);
      assert.equal(scopeMatcher(strategy)(['notes.read'], 'notes'), false);
    }
  });

  test('a scope name from the prototype chain is not granted', () => {
    for (const strategy of ['exact', 'wildcard'] as const) {
      assert.equal(scopeMatcher(strategy)([], 'constructor'), false);
      assert.equal(scopeMatcher(strategy)(['notes.*'], '__proto__'), false);
    }
  });
});

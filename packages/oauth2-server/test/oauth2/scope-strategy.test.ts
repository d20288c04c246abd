// Hydra's scope strategies as fosite defines them (its scope_strategy_test.go cases).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  exactScopeMatch,
  scopeMatcher,
  wildcardScopeMatch,
} from '../../src/oauth2/scope-strategy.ts';
import { allowedRequestedScopes } from '../../src/oauth2/scopes.ts';

function check(
  match: (registered: readonly string[], requested: string) => boolean,
  registered: string[],
  allowed: string[],
  refused: string[],
) {
  for (const scope of allowed) assert.ok(match(registered, scope), `${registered} allows ${scope}`);
  for (const scope of refused)
    assert.ok(!match(registered, scope), `${registered} refuses ${scope}`);
}

describe('wildcard strategy (fosite)', () => {
  test('nothing registered allows nothing', () => {
    check(wildcardScopeMatch, [], [], ['foo.bar.baz', 'foo.bar', 'openid']);
  });
  test('`*` alone allows any non-empty scope', () => {
    check(wildcardScopeMatch, ['*'], ['asdf', 'asdf.asdf'], ['']);
  });
  test('without `*` the match is exact', () => {
    check(wildcardScopeMatch, ['foo'], ['foo'], ['*', 'foo.*', 'fo*', 'foo.bar']);
  });
  test('`*` inside a segment is literal', () => {
    check(wildcardScopeMatch, ['foo*'], ['foo*'], ['foo', 'fooa', 'fo']);
  });
  test('a trailing `*` allows one or more further segments', () => {
    check(wildcardScopeMatch, ['foo.*'], ['foo.bar', 'foo.baz', 'foo.bar.baz'], ['foo']);
  });
  test('a middle `*` stands for exactly one non-empty segment', () => {
    check(
      wildcardScopeMatch,
      ['foo.*.baz'],
      ['foo.*.baz', 'foo.bar.baz'],
      ['foo..baz', 'foo.baz', 'foo', 'foo.bar.bar'],
    );
    check(
      wildcardScopeMatch,
      ['foo.*.bar'],
      ['foo.bar.bar'],
      ['foo.bar.bar.bar', 'foo..bar', 'foo.bar..bar'],
    );
  });
  test('several `*` segments', () => {
    check(
      wildcardScopeMatch,
      ['foo.*.bar.*'],
      ['foo.baz.bar.baz', 'foo.baz.bar.bar.bar', 'foo.*.bar.*.*.*', 'foo.1.bar.1.2.3.4.5'],
      ['foo.baz.baz.bar.baz', 'foo.baz.bar'],
    );
    check(
      wildcardScopeMatch,
      ['foo.*.bar.*.baz.*'],
      ['foo.bar.bar.baz.baz.baz', 'foo.bar.bar.baz.baz.baz.baz'],
      [
        'foo.*.*',
        'foo.*.bar',
        'foo.baz.*',
        'foo.baz.bar',
        'foo.b*.bar',
        'foo.bar.bar.baz.baz',
        'foo.bar.baz.baz.baz.bar',
      ],
    );
  });
});

test('exact strategy: `*` is an ordinary character', () => {
  check(exactScopeMatch, ['notes.*', 'openid'], ['notes.*', 'openid'], ['notes.read', 'notes']);
  assert.equal(scopeMatcher('exact'), exactScopeMatch);
  assert.equal(scopeMatcher('wildcard'), wildcardScopeMatch);
});

test("a scope the client may not request throws fosite's invalid_scope naming it", () => {
  assert.deepEqual(
    allowedRequestedScopes(
      ['openid', 'notes.*'],
      ['openid', 'notes.read', 'openid', ''],
      wildcardScopeMatch,
    ),
    ['openid', 'notes.read'],
  );
  assert.throws(
    () => allowedRequestedScopes(['openid', 'notes.*'], ['openid', 'notes'], wildcardScopeMatch),
    (err: { error?: string; error_description?: string }) =>
      err.error === 'invalid_scope' &&
      err.error_description ===
        "The requested scope is invalid, unknown, or malformed. The OAuth 2.0 Client is not allowed to request scope 'notes'.",
  );
});

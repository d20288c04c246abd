// Oathkeeper's `oauth2_introspection` authenticator imported onto the gateway's access tokens:
// required_scope becomes the rule's scopes, matched by the rule's scope_strategy (Oathkeeper's
// `none`: Hydra's, i.e. hydra.scope_strategy); what the edge cannot honour is warned about, and
// what would let more tokens through than Oathkeeper did is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRules } from '../../src/access/rules.ts';
import { ConfigError } from '../../src/lib/errors.ts';
import { importOathkeeperRules } from '../../src/oathkeeper/import.ts';

const rule = (authenticators: unknown[]) => ({
  id: 'notes-api',
  match: { url: 'http://app.test/api/notes/<.*>', methods: ['GET'] },
  authenticators,
  authorizer: { handler: 'allow' },
});

test('oauth2_introspection with required_scope → access tokens with those scopes', () => {
  const { rules, warnings } = importOathkeeperRules([
    rule([
      {
        handler: 'oauth2_introspection',
        config: { required_scope: ['notes.read'], scope_strategy: 'exact' },
      },
    ]),
  ]);
  assert.deepEqual(warnings, []);
  assert.equal(rules[0]!.mode, 'required');
  assert.deepEqual(rules[0]!.credentials, ['access_token']);
  assert.deepEqual(rules[0]!.scopes, ['notes.read']);
  assert.equal(rules[0]!.scope_strategy, 'exact');
  const compiled = compileRules(rules).rules[0]!;
  assert.deepEqual(compiled.accessToken, { scopes: ['notes.read'], scopeStrategy: 'exact' });
  assert.equal(compiled.credentials.size, 0, 'no Kratos credential on this rule');
});

test('alongside cookie_session and anonymous', () => {
  const { rules } = importOathkeeperRules([
    rule([
      { handler: 'cookie_session' },
      { handler: 'oauth2_introspection' },
      { handler: 'anonymous' },
    ]),
  ]);
  assert.equal(rules[0]!.mode, 'optional');
  assert.deepEqual(rules[0]!.credentials, ['cookie', 'access_token']);
  assert.deepEqual(rules[0]!.scopes, []);
});

test('settings the edge does not honour are warned about', () => {
  const { warnings } = importOathkeeperRules([
    rule([
      {
        handler: 'oauth2_introspection',
        config: {
          introspection_url: 'http://hydra:4445/admin/oauth2/introspect',
          cache: { enabled: true, ttl: '60s' },
        },
      },
    ]),
  ]);
  assert.equal(warnings.length, 2, warnings.join('\n'));
  assert.match(warnings.join('\n'), /introspection_url is not imported/);
  assert.match(warnings.join('\n'), /cache is not imported/);
});

test("scope_strategy: none (Oathkeeper's default) is Hydra's, wildcard stays, hierarchic becomes exact", () => {
  const imported = (scope_strategy?: string) =>
    importOathkeeperRules([
      rule([
        {
          handler: 'oauth2_introspection',
          config: { required_scope: ['notes.read'], ...(scope_strategy ? { scope_strategy } : {}) },
        },
      ]),
    ]);
  for (const none of [undefined, 'none']) {
    const { rules, warnings } = imported(none);
    assert.equal(rules[0]!.scope_strategy, undefined);
    assert.deepEqual(compileRules(rules).rules[0]!.accessToken, { scopes: ['notes.read'] });
    assert.deepEqual(warnings, []);
  }
  assert.equal(imported('wildcard').rules[0]!.scope_strategy, 'wildcard');
  assert.deepEqual(imported('wildcard').warnings, []);
  // Hierarchic lets a granted `notes` cover `notes.read`: neither fosite strategy does; exact is
  // never looser than it.
  const hierarchic = imported('hierarchic');
  assert.equal(hierarchic.rules[0]!.scope_strategy, 'exact');
  assert.match(hierarchic.warnings.join('\n'), /hierarchic is checked as exact/);
  assert.throws(() => imported('regex'), /expected hierarchic, exact, wildcard or none/);
});

test('a rule scope_strategy without scopes, or an unknown one, is a config error', () => {
  const base = { path: '/x', mode: 'required' as const };
  assert.throws(
    () => compileRules([{ ...base, scope_strategy: 'exact' }]),
    /scope_strategy: has no effect without scopes/,
  );
  assert.throws(
    () => compileRules([{ ...base, scopes: ['a'], scope_strategy: 'hierarchic' as 'exact' }]),
    /expected exact or wildcard/,
  );
});

test('audience and issuer restrictions are refused, not dropped', () => {
  for (const config of [{ target_audience: ['notes'] }, { trusted_issuers: ['http://hydra'] }]) {
    assert.throws(
      () => importOathkeeperRules([rule([{ handler: 'oauth2_introspection', config }])]),
      (err: unknown) => err instanceof ConfigError && /not supported by the edge/.test(err.message),
    );
  }
  assert.throws(
    () =>
      importOathkeeperRules([
        rule([{ handler: 'oauth2_introspection', config: { required_scope: 'notes.read' } }]),
      ]),
    ConfigError,
  );
});

// vestibule.yml keys for Hydra access tokens at the gateway: the introspection cache and timeout,
// and a rule's credentials and scopes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidConfig, loadConfigText } from '../../src/config/index.ts';

const noEnv = { env: {} };

test('hydra.introspection_* defaults and durations', () => {
  const defaults = loadConfigText('', noEnv).config.hydra;
  assert.equal(defaults.introspection_cache_ttl, 15_000);
  assert.equal(defaults.introspection_timeout, 2_000);
  const { config } = loadConfigText(
    'hydra: { introspection_cache_ttl: 5s, introspection_timeout: 500ms }',
    noEnv,
  );
  assert.equal(config.hydra.introspection_cache_ttl, 5_000);
  assert.equal(config.hydra.introspection_timeout, 500);
});

test('a rule takes credentials and scopes; an unknown credential is refused', () => {
  const { config } = loadConfigText(
    [
      'gateway:',
      '  rules:',
      '    - { path: /api/notes/**, mode: required, scopes: [notes.read] }',
      '    - { path: /api/machine, mode: required, credentials: [access_token] }',
    ].join('\n'),
    noEnv,
  );
  assert.deepEqual(config.gateway.rules[0]!.scopes, ['notes.read']);
  assert.deepEqual(config.gateway.rules[1]!.credentials, ['access_token']);
  assert.throws(
    () =>
      loadConfigText(
        'gateway: { rules: [{ path: /x, mode: required, credentials: [jwt] }] }',
        noEnv,
      ),
    InvalidConfig,
  );
});

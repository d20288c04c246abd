// vestibule.yml keys for Hydra access tokens at the gateway: the introspection cache and timeout,
// and a rule's credentials and scopes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertServable, InvalidConfig, loadConfigText } from '../../src/config/index.ts';

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

test('hydra.access_token_strategy: opaque by default, jwt/auto need hydra.public_url', () => {
  assert.equal(loadConfigText('', noEnv).config.hydra.access_token_strategy, 'opaque');
  const servable = [
    'kratos: { public_url: http://127.0.0.1:4433 }',
    'gateway: { upstream_url: http://127.0.0.1:3001, header_secret: a-header-secret-of-32-characters-long }',
  ];
  const jwt = loadConfigText(
    [...servable, 'hydra: { access_token_strategy: jwt, admin_url: http://127.0.0.1:4445 }'].join(
      '\n',
    ),
    noEnv,
  ).config;
  assert.equal(jwt.hydra.access_token_strategy, 'jwt');
  assert.throws(
    () => assertServable(jwt),
    (err: unknown) => err instanceof InvalidConfig && /hydra\.public_url/.test(String(err)),
  );
  const auto = loadConfigText(
    [
      ...servable,
      'hydra: { access_token_strategy: auto, public_url: http://127.0.0.1:4444, issuer: http://hydra.test/ }',
    ].join('\n'),
    noEnv,
  ).config;
  assert.equal(auto.hydra.issuer, 'http://hydra.test/');
  assert.doesNotThrow(() => assertServable(auto));
  assert.throws(
    () => loadConfigText('hydra: { access_token_strategy: paseto }', noEnv),
    InvalidConfig,
  );
});

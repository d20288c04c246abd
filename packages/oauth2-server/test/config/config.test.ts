// hydra.yml: Hydra's keys, Hydra's defaults, bad keys named. The shipped example is checked
// against Hydra's own config schema (../shared/ory/hydra/config.schema.json).
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, parseConfig, parseDuration } from '../../src/index.ts';
import { readSharedJSON } from '../../../../test/support/shared.ts';

const example = fileURLToPath(new URL('../../config/hydra.yml', import.meta.url));
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => void;

const minimal = {
  urls: {
    self: { issuer: 'https://auth.example.com/' },
    login: 'https://app.example.com/oauth2/login',
    consent: 'https://app.example.com/oauth2/consent',
  },
};

test('the shipped hydra.yml is valid for a real Hydra too (Hydra config schema)', () => {
  const schema = readSharedJSON<Record<string, unknown>>('hydra/config.schema.json');
  if (!schema) return;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  // Hydra's schema points at Ory's shared sub-schemas by ory:// id; the example does not use their keys.
  for (const id of [
    'ory://serve-config',
    'ory://cors-config',
    'ory://tracing-config',
    'ory://tls-config',
  ])
    ajv.addSchema({ $id: id }, id);
  const validate = ajv.compile(schema);
  const ok = validate(parse(readFileSync(example, 'utf8')));
  assert.ok(ok, JSON.stringify(validate.errors));
});

test('the shipped hydra.yml loads in dev mode', async () => {
  const config = await loadConfig(example, { dev: true });
  assert.equal(config.serve.public.port, 4444);
  assert.equal(config.serve.admin.port, 4445);
  assert.equal(config.urls.self.issuer, 'http://127.0.0.1:4444');
  assert.equal(config.oauth2.pkce.enforced_for_public_clients, true);
  assert.ok(Object.isFrozen(config.urls));
});

test("Hydra's defaults: ttl.*, ports, opaque access tokens, fallback URLs on the issuer", () => {
  const config = parseConfig(minimal);
  assert.deepEqual(config.ttl, {
    access_token: 3600,
    refresh_token: 720 * 3600,
    id_token: 3600,
    auth_code: 600,
    login_consent_request: 1800,
    authentication_session: 720 * 3600,
  });
  assert.equal(config.strategies.access_token, 'opaque');
  assert.equal(config.strategies.scope, 'wildcard');
  assert.equal(config.urls.error, 'https://auth.example.com/oauth2/fallbacks/error');
  assert.equal(config.dsn, 'memory');
});

test('bad input names the key: an http issuer outside dev, a bad duration, a short system secret, an unknown strategy', () => {
  assert.throws(
    () => parseConfig({ ...minimal, urls: { ...minimal.urls, self: { issuer: 'http://x.test' } } }),
    /urls\.self\.issuer/,
  );
  assert.throws(
    () => parseConfig({ ...minimal, ttl: { access_token: 'soon' } }),
    (err: Error) => err instanceof ConfigError && /ttl\.access_token/.test(err.message),
  );
  assert.throws(
    () => parseConfig({ ...minimal, secrets: { system: ['short'] } }),
    /secrets\.system\.0/,
  );
  assert.throws(
    () => parseConfig({ ...minimal, strategies: { access_token: 'paseto' } }),
    /strategies\.access_token/,
  );
  assert.throws(
    () => parseConfig({ ...minimal, strategies: { scope: 'hierarchic' } }),
    /strategies\.scope/,
  );
  assert.equal(
    parseConfig({ ...minimal, strategies: { scope: 'exact' } }).strategies.scope,
    'exact',
  );
  assert.throws(() => parseConfig({ urls: { self: { issuer: 'https://a.test' } } }), /urls/);
  assert.equal(
    parseConfig({ ...minimal, strategies: { access_token: 'jwt' } }).strategies.access_token,
    'jwt',
  );
});

test('Go durations', () => {
  assert.equal(parseDuration('1h30m10s'), 5410);
  assert.equal(parseDuration('720h'), 2592000);
  assert.throws(() => parseDuration('1d'));
});

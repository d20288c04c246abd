import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYAML } from 'yaml';
import {
  ConfigError,
  defaultConfig,
  devConfigObject,
  formatGoDuration,
  loadConfig,
  parseConfig,
  parseGoDuration,
  registrationAfterHooks,
  SHIPPED_CONFIG_PATH,
} from '../../src/config/index.ts';
import { readSharedJSON, sharedOryPath } from '../../../../test/support/shared.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const minimal = () => ({
  dsn: 'memory',
  selfservice: { default_browser_return_url: 'http://localhost:4000/' },
  identity: { schemas: [{ id: 'default', url: 'base64://e30=' }] },
});

test('Go durations parse like time.ParseDuration', () => {
  assert.equal(parseGoDuration('1h30m'), 5_400_000);
  assert.equal(parseGoDuration('10m'), 600_000);
  assert.equal(parseGoDuration('30s'), 30_000);
  assert.equal(parseGoDuration('1.5h'), 5_400_000);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.equal(parseGoDuration('0'), 0);
  for (const bad of ['', 'abc', '10', '1d', '-1h', 'h', '1h 30m', '1hh']) {
    assert.equal(parseGoDuration(bad), undefined, bad);
  }
});

test('property: formatted durations parse back to the same milliseconds', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10 ** 10 }), (ms) => {
      assert.equal(parseGoDuration(formatGoDuration(ms)), ms);
    }),
  );
});

test('property: arbitrary strings never throw from parseGoDuration', () => {
  fc.assert(
    fc.property(fc.string(), (s) => {
      const ms = parseGoDuration(s);
      assert.ok(ms === undefined || (Number.isFinite(ms) && ms >= 0));
    }),
  );
});

test('Kratos defaults apply to a minimal config', () => {
  const { config } = parseConfig(minimal());
  assert.equal(config.serve.public.port, 4433);
  assert.equal(config.serve.admin.port, 4434);
  assert.equal(config.serve.public.host, '127.0.0.1');
  assert.equal(config.serve.public.base_url, 'http://127.0.0.1:4433');
  assert.equal(config.selfservice.flows.login.lifespan_ms, 3_600_000);
  assert.equal(
    config.selfservice.flows.login.ui_url,
    'https://www.ory.com/kratos/docs/fallback/login',
  );
  assert.equal(config.selfservice.flows.settings.privileged_session_max_age_ms, 3_600_000);
  assert.equal(config.selfservice.methods.password.min_password_length, 8);
  assert.equal(config.selfservice.methods.password.identifier_similarity_check_enabled, true);
  assert.equal(config.session.lifespan_ms, 86_400_000);
  assert.equal(config.session.cookie.name, 'ory_kratos_session');
  assert.equal(config.session.cookie.path, '/');
  assert.equal(config.session.cookie.same_site, 'Lax');
  assert.equal(config.hashers.algorithm, 'bcrypt');
  assert.equal(config.hashers.bcrypt.cost, 12);
  assert.equal(config.hashers.argon2.memory_kib, 128 * 1024);
  assert.equal(config.identity.default_schema_id, 'default');
  assert.deepEqual(config.log, { level: 'info' });
  assert.equal(config.selfservice.flows.login.style, 'unified');
  assert.deepEqual(config.security, { account_enumeration_mitigate: false });
  assert.ok(Object.isFrozen(config.session.cookie));
});

test('login style and account enumeration mitigation: read, env-overridable, validated', () => {
  const { config } = parseConfig(
    {
      ...minimal(),
      selfservice: {
        ...minimal().selfservice,
        flows: { login: { style: 'identifier_first' } },
      },
    },
    { env: { SECURITY_ACCOUNT_ENUMERATION_MITIGATE: 'true' } },
  );
  assert.equal(config.selfservice.flows.login.style, 'identifier_first');
  assert.equal(config.security?.account_enumeration_mitigate, true);
  assert.throws(
    () =>
      parseConfig({
        ...minimal(),
        selfservice: { ...minimal().selfservice, flows: { login: { style: 'profile_first' } } },
      }),
    (e: unknown) =>
      e instanceof ConfigError && /^selfservice\.flows\.login\.style: /.test(e.message),
  );
});

test('invalid values throw naming the key', () => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [
      { selfservice: { flows: { login: { lifespan: 'abc' } } } },
      /^selfservice\.flows\.login\.lifespan: invalid duration "abc"$/,
    ],
    [{ serve: { public: { port: 70000 } } }, /^serve\.public\.port: /],
    [{ serve: { public: { base_url: 'not a url' } } }, /^serve\.public\.base_url: invalid URL/],
    [
      { session: { cookie: { same_site: 'lax' } } },
      /^session\.cookie\.same_site: expected one of Lax, Strict, None/,
    ],
    [{ hashers: { algorithm: 'md5' } }, /^hashers\.algorithm: /],
    [{ hashers: { bcrypt: { cost: 3 } } }, /^hashers\.bcrypt\.cost: /],
    [{ secrets: { cookie: ['short'] } }, /^secrets\.cookie\[0\]: secret must be at least 16/],
    [
      { selfservice: { flows: { registration: { after: { password: { hooks: [{}] } } } } } },
      /after\.password\.hooks\[0\]\.hook/,
    ],
    [{ identity: { default_schema_id: 'nope' } }, /^identity\.default_schema_id: /],
    [{ dsn: 'mysql://x' }, /^dsn: unsupported database "mysql"/],
    [
      { selfservice: { allowed_return_urls: 'http://x' } },
      /^selfservice\.allowed_return_urls: expected a list/,
    ],
  ];
  for (const [override, pattern] of cases) {
    const raw = { ...minimal(), ...override } as Record<string, unknown>;
    if ('identity' in override)
      raw.identity = { ...minimal().identity, ...(override.identity as object) };
    if ('selfservice' in override) {
      raw.selfservice = { ...minimal().selfservice, ...(override.selfservice as object) };
    }
    assert.throws(
      () => parseConfig(raw),
      (e: unknown) => e instanceof ConfigError && pattern.test(e.message),
      JSON.stringify(override),
    );
  }
  assert.throws(
    () => parseConfig({ identity: minimal().identity, dsn: 'memory' }),
    /selfservice\.default_browser_return_url: required/,
  );
  assert.throws(() => parseConfig({ ...minimal(), identity: {} }), /identity\.schemas: required/);
  assert.throws(() => parseConfig({ ...minimal(), dsn: undefined }), /dsn: required/);
});

test('unknown keys are warnings naming the key, not errors; known Kratos keys are silent', () => {
  const { warnings } = parseConfig({
    ...minimal(),
    log: { level: 'debug' },
    serve: { public: { cors: { enabled: true }, bogus: 1 } },
    nonsense: true,
  });
  assert.deepEqual(
    warnings
      .filter((w) => w.code === 'unknown_key')
      .map((w) => w.key)
      .sort(),
    ['nonsense', 'serve.public.bogus'],
  );
});

test('env overrides follow Kratos naming (DSN, SERVE_PUBLIC_BASE_URL, nested keys)', () => {
  const { config } = parseConfig(minimal(), {
    env: {
      DSN: 'postgres://u:p@db:5432/kratos',
      SERVE_PUBLIC_BASE_URL: 'https://auth.example.com/',
      SERVE_ADMIN_BASE_URL: 'http://admin.internal:4434/',
      SELFSERVICE_FLOWS_LOGIN_LIFESPAN: '5m',
      SERVE_PUBLIC_PORT: '8080',
      SECRETS_COOKIE: 'aaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbb',
    },
  });
  assert.equal(config.dsn, 'postgres://u:p@db:5432/kratos');
  assert.equal(config.serve.public.base_url, 'https://auth.example.com');
  assert.equal(config.serve.admin.base_url, 'http://admin.internal:4434');
  assert.equal(config.selfservice.flows.login.lifespan_ms, 300_000);
  assert.equal(config.serve.public.port, 8080);
  assert.deepEqual(config.secrets.cookie, ['aaaaaaaaaaaaaaaa', 'bbbbbbbbbbbbbbbb']);
  assert.throws(
    () => parseConfig(minimal(), { env: { SESSION_LIFESPAN: 'forever' } }),
    /session\.lifespan: invalid duration/,
  );
  // Kratos's log levels (logrus) map onto the server's four; LOG_LEVEL wins over the file.
  const levels = { trace: 'debug', warning: 'warn', panic: 'error', info: 'info' } as const;
  for (const [kratos, ours] of Object.entries(levels)) {
    const parsed = parseConfig(
      { ...minimal(), log: { level: 'error' } },
      { env: { LOG_LEVEL: kratos } },
    );
    assert.equal(parsed.config.log?.level, ours);
  }
  assert.throws(
    () => parseConfig({ ...minimal(), log: { level: 'verbose' } }),
    /log\.level: expected one of/,
  );
});

test('registration hooks: per-method, falling back to the global after.hooks', () => {
  const { config } = parseConfig({
    ...minimal(),
    selfservice: {
      ...minimal().selfservice,
      flows: {
        registration: {
          after: {
            hooks: [{ hook: 'web_hook', config: { url: 'http://127.0.0.1:9/h', method: 'POST' } }],
            password: { hooks: [{ hook: 'session' }, { hook: 'show_verification_ui' }] },
          },
        },
      },
    },
  });
  assert.deepEqual(registrationAfterHooks(config, 'password'), ['session', 'show_verification_ui']);
  assert.deepEqual(registrationAfterHooks(config, 'oidc'), ['web_hook']);
});

test('schema URLs and DSN paths resolve against the config file directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'kratos.yml');
  writeFileSync(
    file,
    [
      'dsn: ./data',
      'selfservice: { default_browser_return_url: "http://localhost:4000/" }',
      'identity:',
      '  schemas:',
      '    - { id: default, url: "file://schemas/person.json" }',
      '    - { id: plain, url: "other.json" }',
      '    - { id: inline, url: "base64://e30=" }',
    ].join('\n'),
  );
  const { config } = await loadConfig(file, { env: {} });
  assert.equal(config.dsn, join(dir, 'data'));
  assert.deepEqual(
    config.identity.schemas.map((s) => s.url),
    [`file://${dir}/schemas/person.json`, `file://${dir}/other.json`, 'base64://e30='],
  );
  writeFileSync(file, 'dsn: [unclosed');
  await assert.rejects(loadConfig(file, { env: {} }), /is not valid YAML/);
  await assert.rejects(loadConfig(join(dir, 'missing.yml')), /cannot read .*ENOENT/);
});

test('defaultConfig: dev URLs, memory DSN, session hook; overrides merge and unknown keys throw', () => {
  const config = defaultConfig({ selfservice: { flows: { login: { lifespan: '1m' } } } });
  assert.equal(config.dsn, 'memory');
  assert.equal(config.selfservice.flows.login.ui_url, 'http://localhost:4000/login');
  assert.equal(config.selfservice.flows.login.lifespan_ms, 60_000);
  assert.equal(config.selfservice.flows.registration.ui_url, 'http://localhost:4000/registration');
  assert.deepEqual(registrationAfterHooks(config, 'password'), ['session']);
  assert.throws(() => defaultConfig({ sesion: {} }), /sesion: unknown key/);
  assert.ok(devConfigObject());
});

test('the shipped kratos.yml loads without warnings and validates against Kratos config.schema.json', async () => {
  const { config, warnings } = await loadConfig(SHIPPED_CONFIG_PATH, { env: {} });
  assert.deepEqual(warnings, []);
  assert.equal(config.hashers.bcrypt.cost, 12);
  assert.deepEqual(registrationAfterHooks(config, 'password'), ['session']);
  const schema = readSharedJSON<Record<string, unknown>>('kratos/config.schema.json');
  if (!schema) return;
  const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
  // Kratos's schema $refs its tracing config by an ory:// id that ships separately; tracing is unused here.
  ajv.addSchema({ $id: 'ory://tracing-config', type: 'object' });
  const validate = ajv.compile(schema);
  const ok = validate(parseYAML(readFileSync(SHIPPED_CONFIG_PATH, 'utf8')));
  assert.ok(ok, JSON.stringify(validate.errors, null, 1));
  assert.equal(validate({ ...devConfigObject(), hashers: { bcrypt: { cost: 'high' } } }), false);
});

test("Kratos's quickstart kratos.yml loads with no unknown-key warnings", async () => {
  const path = sharedOryPath('kratos/quickstart.kratos.yml');
  if (!path) return;
  const { config, warnings } = await loadConfig(path, { env: {} });
  assert.deepEqual(
    warnings.filter((w) => w.code === 'unknown_key'),
    [],
  );
  assert.equal(config.hashers.bcrypt.cost, 8);
  assert.equal(config.selfservice.flows.login.lifespan_ms, 600_000);
  assert.deepEqual(registrationAfterHooks(config, 'password'), ['session', 'show_verification_ui']);
});

test('oauth2_provider: url, headers and override_return_to as Kratos reads them; OAUTH2_PROVIDER_URL from the environment', () => {
  const none = parseConfig(minimal()).config.oauth2_provider;
  assert.deepEqual(none, { headers: {}, override_return_to: false });
  const set = parseConfig({
    ...minimal(),
    oauth2_provider: {
      url: 'http://hydra:4445',
      headers: { Authorization: 'Bearer key' },
      override_return_to: true,
    },
  }).config.oauth2_provider;
  assert.deepEqual(set, {
    url: 'http://hydra:4445',
    headers: { Authorization: 'Bearer key' },
    override_return_to: true,
  });
  const fromEnv = parseConfig(minimal(), { env: { OAUTH2_PROVIDER_URL: 'http://hydra:4445' } });
  assert.equal(fromEnv.config.oauth2_provider?.url, 'http://hydra:4445');
  assert.throws(
    () => parseConfig({ ...minimal(), oauth2_provider: { headers: { Authorization: 42 } } }),
    (err: unknown) =>
      err instanceof ConfigError && /oauth2_provider\.headers\.Authorization/.test(String(err)),
  );
  assert.throws(
    () => parseConfig({ ...minimal(), oauth2_provider: { url: 'not a url' } }),
    ConfigError,
  );
});

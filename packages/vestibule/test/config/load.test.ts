import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  assertServable,
  formatPath,
  InvalidConfig,
  loadConfigFile,
  loadConfigText,
} from '../../src/config/index.ts';

const noEnv = { env: {} };

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof InvalidConfig, `expected InvalidConfig, got ${String(err)}`);
    return err.problems.map((p) => `${p.key}: ${p.message}`);
  }
  assert.fail('expected the config to be rejected');
}

test('an empty file gives the documented defaults, frozen', () => {
  const { config, warnings } = loadConfigText('', noEnv);
  assert.equal(config.server.port, 4000);
  assert.equal(config.server.public_url, 'http://localhost:4000');
  assert.equal(config.proxy.prefix, '/api/ory');
  assert.equal(config.proxy.max_body_bytes, 1024 * 1024);
  assert.deepEqual(config.gateway.upstream_secrets, []);
  assert.equal(config.gateway.default_decision, 'deny');
  assert.equal(config.kratos.in_cluster_pattern, undefined);
  assert.deepEqual(warnings, []);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.gateway.session_cache));
  assert.throws(() => {
    (config.server as { port: number }).port = 1;
  }, TypeError);
});

test('proxy.max_body_bytes and gateway.upstream_secrets are validated with their key path', () => {
  const problems = problemsOf(() =>
    loadConfigText(
      `proxy: { max_body_bytes: 0 }
gateway:
  upstream_secrets:
    - { upstream: 'not a url', header_secret: short }
`,
      noEnv,
    ),
  );
  assert.equal(problems.length, 3, problems.join('\n'));
  assert.ok(problems.some((p) => p.startsWith('proxy.max_body_bytes:')));
  assert.ok(problems.some((p) => p.startsWith('gateway.upstream_secrets[0].upstream:')));
  assert.ok(problems.some((p) => p.startsWith('gateway.upstream_secrets[0].header_secret:')));
});

test('a bad rule mode names the key path and the allowed values', () => {
  const problems = problemsOf(() =>
    loadConfigText(
      `gateway:
  rules:
    - { path: /, mode: public }
    - { path: /a, mode: required }
    - { path: /b, mode: admin }
`,
      noEnv,
    ),
  );
  assert.deepEqual(problems, [
    'gateway.rules[2].mode: expected one of public|optional|required|role',
  ]);
});

test('every problem is reported, not only the first', () => {
  const problems = problemsOf(() =>
    loadConfigText(
      `server: { port: "eighty", public_url: "ftp://x" }
gateway: { rules: [ { mode: role, path: /admin } ], header_secret: short }
kratos: { timeouts: { request: "soon" } }
`,
      noEnv,
    ),
  );
  assert.deepEqual(problems.sort(), [
    'gateway.header_secret: expected at least 32 characters',
    'gateway.rules[0].roles: required when mode is role',
    'kratos.timeouts.request: expected a duration like "10s" or "500ms", got "soon"',
    'server.port: expected number, got string',
    'server.public_url: expected an absolute http(s) URL',
  ]);
});

test('a rule needs exactly one of path or regex, and the regex must compile', () => {
  const problems = problemsOf(() =>
    loadConfigText(
      `gateway:
  rules:
    - { mode: public }
    - { mode: public, path: /a, regex: "^/a" }
    - { mode: public, regex: "([" }
`,
      noEnv,
    ),
  );
  assert.equal(problems.length, 3);
  assert.match(problems[0]!, /^gateway\.rules\[0\]: set exactly one of path or regex$/);
  assert.match(problems[1]!, /^gateway\.rules\[1\]: set exactly one of path or regex$/);
  assert.match(problems[2]!, /^gateway\.rules\[2\]\.regex: /);
});

test('unknown keys are warnings with their path, and are dropped', () => {
  const { config, warnings } = loadConfigText(
    `server: { port: 4100, colour: blue }
gatewy: {}
gateway: { rules: [ { path: /, mode: public, extra: 1 } ] }
`,
    noEnv,
  );
  assert.equal(config.server.port, 4100);
  assert.deepEqual(warnings.map((w) => [w.code, w.key]).sort(), [
    ['CONFIG_UNKNOWN_KEY', 'gateway.rules[0].extra'],
    ['CONFIG_UNKNOWN_KEY', 'gatewy'],
    ['CONFIG_UNKNOWN_KEY', 'server.colour'],
  ]);
  assert.equal('colour' in config.server, false);
});

test('env overrides URLs and secrets, and a bad env value names both key and variable', () => {
  const { config } = loadConfigText('kratos: { public_url: "http://from-file:4433" }', {
    env: {
      VESTIBULE_KRATOS_PUBLIC_URL: 'http://ory-kratos:4433/',
      VESTIBULE_HEADER_SECRET: 'x'.repeat(40),
      VESTIBULE_PORT: '4555',
    },
  });
  assert.equal(config.kratos.public_url, 'http://ory-kratos:4433');
  assert.equal(config.gateway.header_secret, 'x'.repeat(40));
  assert.equal(config.server.port, 4555);
  assert.deepEqual(
    problemsOf(() => loadConfigText('', { env: { VESTIBULE_UPSTREAM_URL: 'localhost:4001' } })),
    ['gateway.upstream_url (from VESTIBULE_UPSTREAM_URL): expected an absolute http(s) URL'],
  );
});

test('durations accept Go syntax and milliseconds', () => {
  const { config } = loadConfigText(
    'kratos: { timeouts: { request: 1m30s, whoami: 250 } }\ngateway: { session_cache: { ttl: 500ms } }',
    noEnv,
  );
  assert.equal(config.kratos.timeouts.request, 90_000);
  assert.equal(config.kratos.timeouts.whoami, 250);
  assert.equal(config.gateway.session_cache.ttl, 500);
});

test('broken YAML and a non-mapping root are clear errors, not stack traces', () => {
  assert.match(
    problemsOf(() => loadConfigText('server: [1', noEnv))[0]!,
    /^\(yaml\): not valid YAML at line 1/,
  );
  assert.deepEqual(
    problemsOf(() => loadConfigText('- a\n- b', noEnv)),
    ['(root): expected a mapping of sections (server, kratos, …)'],
  );
});

test('a missing file is named', () => {
  const problems = problemsOf(() => loadConfigFile('/nonexistent/vestibule.yml', noEnv));
  assert.deepEqual(problems, ['(file): cannot read /nonexistent/vestibule.yml: file not found']);
});

test('the committed example file is valid and servable with a secret of your own, with no warnings', () => {
  const path = new URL('../../examples/vestibule.yml', import.meta.url).pathname;
  const { config, warnings } = loadConfigFile(path, {
    env: { VESTIBULE_HEADER_SECRET: 'a-generated-secret-0123456789abcdefghij' },
  });
  assert.deepEqual(warnings, []);
  assertServable(config);
  assert.ok(config.gateway.rules.length >= 4);
  // As shipped it listens on 0.0.0.0 with the example's own (public) secret: refused.
  const asShipped = loadConfigFile(path, noEnv).config;
  assert.throws(
    () => assertServable(asShipped),
    /gateway\.header_secret: is the documented example/,
  );
});

test('serve requires Kratos, the upstream and the header secret, each named', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-config-'));
  const file = join(dir, 'v.yml');
  writeFileSync(file, 'server: { port: 4000 }\n');
  const { config } = loadConfigFile(file, noEnv);
  const problems = problemsOf(() => assertServable(config));
  assert.deepEqual(
    problems.map((p) => p.split(':')[0]),
    ['kratos.public_url', 'gateway.upstream_url', 'gateway.header_secret'],
  );
});

test('formatPath renders array indexes in brackets', () => {
  assert.equal(formatPath(['gateway', 'rules', 2, 'mode']), 'gateway.rules[2].mode');
  assert.equal(formatPath([]), '(root)');
});

test('a dev mailbox on a non-loopback address is a warning', () => {
  const open = loadConfigText('server: { host: 0.0.0.0 }\ndev: { mailbox: true }', noEnv);
  assert.deepEqual(
    open.warnings.map((w) => w.code),
    ['CONFIG_DEV_MAILBOX_EXPOSED'],
  );
  assert.deepEqual(loadConfigText('dev: { mailbox: true }', noEnv).warnings, []);
});

test('hydra.* keys: defaults, VESTIBULE_HYDRA_PUBLIC_URL / VESTIBULE_HYDRA_ADMIN_URL, and a bad URL named', () => {
  const defaults = loadConfigText('', noEnv).config.hydra;
  assert.equal(defaults.admin_url, undefined);
  assert.equal(defaults.remember_consent_for, 30 * 24 * 3600 * 1000);
  const { config } = loadConfigText('hydra: { remember_consent_for: 1h }', {
    env: {
      VESTIBULE_HYDRA_PUBLIC_URL: 'http://hydra:4444/',
      VESTIBULE_HYDRA_ADMIN_URL: 'http://hydra:4445',
    },
  });
  assert.equal(config.hydra.public_url, 'http://hydra:4444');
  assert.equal(config.hydra.admin_url, 'http://hydra:4445');
  assert.equal(config.hydra.remember_consent_for, 3600_000);
  assert.deepEqual(
    problemsOf(() => loadConfigText('', { env: { VESTIBULE_HYDRA_ADMIN_URL: 'hydra:4445' } })),
    ['hydra.admin_url (from VESTIBULE_HYDRA_ADMIN_URL): expected an absolute http(s) URL'],
  );
});

test('metrics on their own port beyond loopback without a bearer token is a warning', () => {
  const exposed = loadConfigText('server: { host: 0.0.0.0 }\nmetrics: { port: 9464 }', noEnv);
  assert.deepEqual(
    exposed.warnings.map((w) => w.code),
    ['CONFIG_METRICS_EXPOSED'],
  );
  for (const text of [
    'server: { host: 0.0.0.0 }\nmetrics: { port: 9464, bearer_token: a-token-of-16-chars }',
    'server: { host: 0.0.0.0 }\nmetrics: { port: 9464, host: 127.0.0.1 }',
    'metrics: { port: 9464 }',
  ]) {
    assert.deepEqual(loadConfigText(text, noEnv).warnings, [], text);
  }
  // A short token is refused outright.
  assert.throws(() => loadConfigText('metrics: { bearer_token: short }', noEnv), /bearer_token/);
});

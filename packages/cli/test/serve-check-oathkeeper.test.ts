// Issue 14: `vestibule serve --check` loads and translates gateway.oathkeeper_rules_file as the edge
// would, so a rules file the edge refuses at startup fails the check instead of passing it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/main.ts';
import type { CLIIO } from '../src/terminal/io.ts';

function memoryIO() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CLIIO = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    env: {},
    cwd: process.cwd(),
    untilStopped: () => Promise.resolve('SIGINT'),
  };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

/** A config naming an Oathkeeper rules file with this body; returns the config path. */
function configWithRules(rules: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vestibule-check-'));
  writeFileSync(join(dir, 'rules.yml'), rules);
  const config = join(dir, 'vestibule.yml');
  writeFileSync(
    config,
    `server: { host: 127.0.0.1, public_url: 'http://127.0.0.1:4455' }
kratos: { public_url: 'http://127.0.0.1:4433' }
gateway:
  upstream_url: 'http://127.0.0.1:4001'
  header_secret: ${'k'.repeat(40)}
  oathkeeper_rules_file: ${JSON.stringify(join(dir, 'rules.yml'))}
`,
  );
  return config;
}

const rule = (mutatorHeaders: string, extra = '') => `
- id: "notes:protected"
  match: { url: "http://127.0.0.1:4455/<.*>", methods: [GET, POST] }
  authenticators: [{ handler: cookie_session }]
  authorizer: { handler: allow }
  mutators: [{ handler: header, config: { headers: { ${mutatorHeaders} } } }]
${extra}`;

test('serve --check passes the runbook rule file (X-User-Id/X-User-Email map onto the edge)', async () => {
  const run = memoryIO();
  const file = configWithRules(
    rule(
      'X-User-Id: "{{ print .Subject }}", X-User-Email: "{{ print .Extra.identity.traits.email }}"',
    ),
  );
  assert.equal(await main(['serve', '--config', file, '--check'], run.io), 0, run.err());
  assert.match(run.out(), /is valid \(0 warning\(s\)\)/);
});

test('serve --check fails on a rules file the edge would refuse, naming the rule and key', async () => {
  const cases: Array<[string, RegExp]> = [
    // a reserved header: refused when the gateway compiles its rules
    [rule('X-User-Role: "{{ print .Subject }}"'), /X-User-Role: reserved for the edge/],
    // an X-User-Id that is not the identity id
    [
      rule('X-User-Id: "{{ print .Extra.identity.traits.email }}"'),
      /notes:protected\)\.mutators\[0\]\.config\.headers\.X-User-Id: X-User-Id is the edge's signed identity header/,
    ],
    // a handler the import cannot honour
    [
      rule('X-A: "{{ print .Subject }}"').replace('handler: allow', 'handler: remote_json'),
      /authorizer: handler "remote_json" is not supported/,
    ],
    // not a list of rules
    ['{ id: x }', /expected a list of access rules/],
    // not YAML/JSON at all
    ['- [unclosed', /is not valid JSON\/YAML/],
  ];
  for (const [rules, expected] of cases) {
    const run = memoryIO();
    assert.equal(
      await main(['serve', '--config', configWithRules(rules), '--check'], run.io),
      1,
      rules,
    );
    assert.match(run.err(), /invalid configuration/);
    assert.match(run.err(), expected);
    assert.doesNotMatch(run.err(), /\n\s+at /, 'no stack trace');
  }
});

test('serve --check fails when the rules file is missing, and prints import warnings', async () => {
  const missing = memoryIO();
  const file = configWithRules('[]');
  writeFileSync(file, readFileSync(file, 'utf8').replace('rules.yml', 'nope.yml'));
  assert.equal(await main(['serve', '--config', file, '--check'], missing.io), 1);
  assert.match(missing.err(), /gateway\.oathkeeper_rules_file: cannot read .*nope\.yml/);

  const warned = memoryIO();
  const other = `- id: other-host
  match: { url: "http://elsewhere.example/<.*>", methods: [GET] }
  authenticators: [{ handler: anonymous }]
`;
  const withWarning = configWithRules(rule('X-A: "{{ print .Subject }}"') + other);
  assert.equal(await main(['serve', '--config', withWarning, '--check'], warned.io), 0);
  assert.match(warned.err(), /! .*\(other-host\): not imported: its scheme\/host/);
  assert.match(warned.out(), /is valid \(1 warning\(s\)\)/);
});

// Issue 14: the runbook's Oathkeeper rule sets X-User-Id / X-User-Email with a header mutator. The
// edge already sends those names, signed, with the same values: the import maps them onto the edge's
// identity headers instead of failing startup as reserved. Other reserved names still fail, clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse as parseYAML } from 'yaml';
import { importOathkeeperRules } from '../../src/oathkeeper/import.ts';
import { compileRules } from '../../src/access/rules.ts';
import { createHeaderVerifier } from '../../src/identity-headers/verify.ts';
import { ConfigError } from '../../src/lib/errors.ts';
import { SECRET, startGatewayStack } from '../support/gateway-stack.ts';

// The runbook's rule: Kratos session cookie, allow, the identity in X-User-Id / X-User-Email.
const RUNBOOK_RULES = parseYAML(`
- id: "notes:protected"
  match: { url: "http://127.0.0.1:4455/<(account|admin|notes)(/.*)?>", methods: [GET, POST] }
  authenticators: [{ handler: cookie_session }]
  authorizer: { handler: allow }
  mutators:
    - handler: header
      config:
        headers:
          X-User-Id: "{{ print .Subject }}"
          X-User-Email: "{{ print .Extra.identity.traits.email }}"
          X-Tenant: "{{ print .Extra.identity.traits.tenant }}"
`) as unknown[];

function ruleWithHeaders(headers: Record<string, string>, authenticators = ['cookie_session']) {
  return [
    {
      id: 'r',
      match: { url: 'http://h/<.*>', methods: ['GET'] },
      authenticators: authenticators.map((handler) => ({ handler })),
      mutators: [{ handler: 'header', config: { headers } }],
    },
  ];
}

test('the runbook rule imports: X-User-Id/X-User-Email map onto the edge headers, others stay', () => {
  const { rules, warnings } = importOathkeeperRules(RUNBOOK_RULES);
  assert.deepEqual(warnings, []);
  assert.deepEqual(rules[0]!.headers, { 'X-Tenant': '{{ print .Extra.identity.traits.tenant }}' });
  assert.doesNotThrow(() => compileRules(rules), 'the edge starts with it');
});

test('through the gateway the app receives the signed x-user-id/x-user-email the rule asked for', async () => {
  const { rules } = importOathkeeperRules(RUNBOOK_RULES);
  const stack = await startGatewayStack({ rules, headerSecret: SECRET });
  try {
    const { token, session } = stack.kratos.addSession({ email: 'kilter@example.com' });
    const res = await fetch(stack.url + '/account', {
      headers: { cookie: `ory_kratos_session=${token}`, 'x-user-id': 'SPOOF' },
    });
    assert.equal(res.status, 200);
    const seen = stack.upstream.seen.at(-1)!;
    assert.equal(seen.headers['x-user-id'], session.identity.id);
    assert.equal(seen.headers['x-user-email'], 'kilter@example.com');
    assert.ok(!seen.rawHeaders.includes('SPOOF'));
    const verdict = createHeaderVerifier({ secret: SECRET })(
      new Headers(seen.headers as Record<string, string>),
      { method: 'GET', path: '/account' },
    );
    assert.equal(verdict.state, 'user');
    assert.ok(verdict.state === 'user' && verdict.identity.id === session.identity.id);
  } finally {
    await stack.close();
  }
});

test('template spellings of the same value are accepted: {{ .Subject }}, .Extra.identity.id', () => {
  for (const template of ['{{ .Subject }}', '{{print .Extra.identity.id}}', '{{- .Subject -}}']) {
    const { rules } = importOathkeeperRules(ruleWithHeaders({ 'x-user-id': template }));
    assert.equal(rules[0]!.headers, undefined, template);
  }
});

test('X-User-Id/X-User-Email carrying another value is refused, naming the header and the fix', () => {
  for (const headers of <Array<Record<string, string>>>[
    { 'X-User-Id': '{{ print .Extra.identity.traits.email }}' },
    { 'X-User-Email': '{{ print .Subject }}' },
    { 'X-User-Id': 'prefix-{{ print .Subject }}' },
    { 'X-User-Email': 'constant@example.com' },
  ]) {
    assert.throws(
      () => importOathkeeperRules(ruleWithHeaders(headers)),
      (err: unknown) =>
        err instanceof ConfigError &&
        /mutators\[0\]\.config\.headers\.X-User-(Id|Email)/.test(err.message) &&
        /signed identity header/.test(err.message) &&
        /use "\{\{ print \./.test(err.message),
      JSON.stringify(headers),
    );
  }
});

test('other reserved names still fail startup with a clear error', () => {
  for (const name of ['X-User-Role', 'x-vestibule-signature']) {
    const { rules } = importOathkeeperRules(ruleWithHeaders({ [name]: '{{ print .Subject }}' }));
    assert.throws(
      () => compileRules(rules),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message.includes(name) &&
        /reserved for the edge's signed identity headers .*x-user-role.*choose another name/.test(
          err.message,
        ),
      name,
    );
  }
});

test('on a rule without a session authenticator the mapped headers are not sent, with a warning', () => {
  const { rules, warnings } = importOathkeeperRules(
    ruleWithHeaders({ 'X-User-Id': '{{ print .Subject }}' }, ['anonymous']),
  );
  assert.equal(rules[0]!.mode, 'public');
  assert.equal(rules[0]!.headers, undefined);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /X-User-Id: not sent/);
});

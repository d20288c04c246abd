import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHeaderVerifier } from '../../src/identity-headers/verify.ts';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importOathkeeperRules, loadOathkeeperRulesFile } from '../../src/oathkeeper/import.ts';
import { compileRules } from '../../src/access/rules.ts';
import { ConfigError } from '../../src/lib/errors.ts';
import { SECRET, startGatewayStack } from '../support/gateway-stack.ts';

// A rule file in the shape of Oathkeeper's docs and the Kratos "zero trust" guide.
const RULES_YAML = `
- id: "ory:kratos:public"
  upstream: { preserve_host: true, url: "http://kratos:4433", strip_path: /.ory/kratos/public }
  match: { url: "http://127.0.0.1:4455/.ory/kratos/public/<.*>", methods: [GET, POST, PUT, DELETE, PATCH] }
  authenticators: [{ handler: noop }]
  authorizer: { handler: allow }
  mutators: [{ handler: noop }]
- id: "app:anonymous"
  match: { url: "http://127.0.0.1:4455/<(|welcome|static/.*)>", methods: [GET] }
  authenticators: [{ handler: anonymous }]
  authorizer: { handler: allow }
  mutators: [{ handler: noop }]
- id: "app:optional"
  match: { url: "http://127.0.0.1:4455/feed", methods: [GET] }
  authenticators: [{ handler: cookie_session }, { handler: anonymous }]
  authorizer: { handler: allow }
  mutators: [{ handler: header, config: { headers: { X-User: "{{ print .Subject }}", X-Email: "{{ print .Extra.identity.traits.email }}" } } }]
- id: "app:protected"
  match: { url: "http://127.0.0.1:4455/<(dashboard|settings)(/.*)?>", methods: [GET, POST] }
  authenticators: [{ handler: cookie_session }]
  authorizer: { handler: allow }
  mutators: [{ handler: header, config: { headers: { X-User: "{{ print .Subject }}" } } }]
  errors: [{ handler: redirect, config: { to: http://127.0.0.1:4455/login } }]
- id: "api:token"
  match: { url: "<https?>://<[^/]+>/api/<.*>", methods: [GET] }
  authenticators: [{ handler: bearer_token }]
  authorizer: { handler: allow }
- id: "deny-internal"
  match: { url: "http://127.0.0.1:4455/internal/<.*>", methods: [GET] }
  authenticators: [{ handler: noop }]
  authorizer: { handler: deny }
`;

test('imports an Oathkeeper YAML rule file into gateway rules', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'oathkeeper-'));
  const file = join(dir, 'rules.yml');
  await writeFile(file, RULES_YAML);
  const { rules, warnings } = await loadOathkeeperRulesFile(file, { matchingStrategy: 'regexp' });
  assert.deepEqual(
    rules.map((r) => [r.id, r.mode, r.credentials]),
    [
      ['ory:kratos:public', 'public', undefined],
      ['app:anonymous', 'public', undefined],
      ['app:optional', 'optional', ['cookie']],
      ['app:protected', 'required', ['cookie']],
      ['api:token', 'required', ['token']],
      ['deny-internal', 'deny', undefined],
    ],
  );
  assert.deepEqual(rules[0]!.upstream, {
    url: 'http://kratos:4433',
    stripPath: '/.ory/kratos/public',
    preserveHost: true,
  });
  assert.deepEqual(rules[2]!.headers, {
    'X-User': '{{ print .Subject }}',
    'X-Email': '{{ print .Extra.identity.traits.email }}',
  });
  assert.ok(warnings.some((w) => w.includes('error handlers are ignored')));
  assert.ok(warnings.some((w) => w.includes('host')));
  const set = compileRules(rules);
  assert.equal(set.match('GET', '/dashboard/x')?.id, 'app:protected');
  assert.equal(set.match('GET', '/dashboardx'), undefined);
  assert.equal(set.match('GET', '/api/notes/1')?.id, 'api:token');
  assert.equal(set.match('DELETE', '/api/notes/1'), undefined);
  assert.equal(set.match('GET', '/internal/metrics')?.id, 'deny-internal');
});
test('JSON rule files load too', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'oathkeeper-'));
  const file = join(dir, 'rules.json');
  await writeFile(
    file,
    JSON.stringify([
      {
        id: 'j',
        match: { url: 'http://h/x', methods: ['GET'] },
        authenticators: [{ handler: 'cookie_session' }],
      },
    ]),
  );
  assert.equal((await loadOathkeeperRulesFile(file)).rules[0]!.mode, 'required');
});

test('what cannot be honoured fails the import, naming the rule (never silently weakened)', () => {
  const base = {
    id: 'r',
    match: { url: 'http://h/x' },
    authenticators: [{ handler: 'cookie_session' }],
  };
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...base, authenticators: [{ handler: 'jwt' }] }, /authenticators\[0\].*jwt/],
    [
      { ...base, authenticators: [{ handler: 'oauth2_client_credentials' }] },
      /oauth2_client_credentials/,
    ],
    [{ ...base, authorizer: { handler: 'remote_json' } }, /authorizer.*remote_json/],
    [{ ...base, authorizer: { handler: 'keto_engine_acp_ory' } }, /keto_engine_acp_ory/],
    [{ ...base, mutators: [{ handler: 'id_token' }] }, /mutators\[0\].*id_token/],
    [
      {
        ...base,
        mutators: [{ handler: 'header', config: { headers: { X: '{{ .MatchContext.URL }}' } } }],
      },
      /unsupported template/,
    ],
    [{ ...base, match: {} }, /match\.url/],
    [{ ...base, authenticators: [] }, /authenticators/],
    [{ ...base, match: { url: 'http://h/<(>' } }, /match\.url/],
  ];
  for (const [rule, message] of cases) {
    assert.throws(
      () => importOathkeeperRules([rule]),
      (err: unknown) =>
        err instanceof ConfigError && message.test(err.message) && err.message.includes('(r)'),
    );
  }
  assert.throws(() => importOathkeeperRules({ not: 'a list' }), ConfigError);
});

test('imported header mutators run through the gateway and their names are stripped from clients', async () => {
  const { rules } = importOathkeeperRules([
    {
      id: 'feed',
      match: { url: 'http://h/feed', methods: ['GET'] },
      authenticators: [{ handler: 'cookie_session' }, { handler: 'anonymous' }],
      mutators: [
        {
          handler: 'header',
          config: {
            headers: {
              'X-User': '{{ print .Subject }}',
              'X-Mail': '{{ print .Extra.identity.traits.email }}',
            },
          },
        },
      ],
    },
  ]);
  const stack = await startGatewayStack({ rules, headerSecret: SECRET });
  try {
    const { token, session } = stack.kratos.addSession({ email: 'm@example.com' });
    await fetch(stack.url + '/feed', {
      headers: { cookie: `ory_kratos_session=${token}`, 'x-mail': 'SPOOF' },
    });
    const seen = stack.upstream.seen.at(-1)!;
    assert.equal(seen.headers['x-user'], session.identity.id);
    assert.equal(seen.headers['x-mail'], 'm@example.com');
    // The app can verify them: the signature lists and covers the template headers.
    const verdict = createHeaderVerifier({ secret: SECRET })(
      new Headers(seen.headers as Record<string, string>),
      { method: 'GET', path: '/feed' },
    );
    assert.ok(verdict.state === 'user');
    assert.equal(verdict.headers.get('x-mail'), 'm@example.com');
    assert.equal(verdict.headers.get('x-user'), session.identity.id);
    await fetch(stack.url + '/feed', { headers: { 'x-mail': 'SPOOF', x_user: 'SPOOF' } });
    const anonymous = stack.upstream.seen.at(-1)!;
    assert.equal(anonymous.headers['x-mail'], undefined);
    assert.ok(!anonymous.rawHeaders.includes('SPOOF'));
    // cookie_session only: a session token does not authenticate on this rule
    await fetch(stack.url + '/feed', { headers: { 'x-session-token': token } });
    assert.equal(stack.upstream.seen.at(-1)!.headers['x-user-id'], undefined);
  } finally {
    await stack.close();
  }
});

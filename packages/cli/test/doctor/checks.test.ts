// Every doctor check against a setup broken in exactly the way it looks for: that check fails and
// no other does. The healthy setup passes every check, so a check that always fails is caught too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DoctorFacts } from '../../src/doctor/facts.ts';
import { ALL_CHECKS, runChecks } from '../../src/doctor/report.ts';
import { healthyFacts, HEADER_SECRET } from './healthy-facts.ts';

type Edit = (facts: DoctorFacts) => void;
const live = (f: DoctorFacts) => f.live!;
const flow = (f: DoctorFacts) => f.live!.registration!;
const rules = (f: DoctorFacts) => f.edge.gateway.rules;

/** The same deployment on http://localhost:4000 (Kratos's settings learned from nowhere). */
function onLocalHTTP(f: DoctorFacts): void {
  f.edge.server.public_url = 'http://localhost:4000';
  f.kratos.uiURLs = {};
  delete f.kratos.publicBaseURL;
  delete f.kratos.defaultReturnURL;
  delete f.kratos.allowedReturnURLs;
  delete f.kratos.verificationEnabled;
  delete f.hydra;
  live(f).hydra!.login = { location: 'http://localhost:4000/oauth2/login?login_challenge=1' };
  delete live(f).hydra!.consent;
  flow(f).action = 'http://localhost:4000/api/ory/self-service/registration?flow=1';
}

/** [check id, what is broken, how]: several setups for some checks. */
const BROKEN: Array<[string, string, Edit]> = [
  [
    'kratos.public-reachable',
    'Kratos public API down',
    (f) => (live(f).kratosPublic = { ok: false, error: 'connect ECONNREFUSED' }),
  ],
  [
    'kratos.admin-reachable',
    'Kratos admin API down',
    (f) => (live(f).kratosAdmin = { ok: false, error: 'connect ECONNREFUSED' }),
  ],
  [
    'kratos.versions',
    'public and admin on different versions',
    (f) => (live(f).kratosAdmin.version = 'v1.1.0'),
  ],
  [
    'kratos.admin-private',
    'admin API through the public host',
    (f) => (live(f).adminExposedAt = ['https://app.example.com:4434/admin/identities']),
  ],
  [
    'kratos.base-url',
    "base_url is Kratos's own host",
    (f) => (f.kratos.publicBaseURL = 'http://kratos-public:4433/'),
  ],
  [
    'kratos.ui-urls',
    'login UI on the old port',
    (f) => (f.kratos.uiURLs.login = 'http://127.0.0.1:4455/login'),
  ],
  [
    'kratos.ui-urls',
    'error UI elsewhere',
    (f) => (f.kratos.uiURLs.error = 'https://errors.example.net/error'),
  ],
  [
    'kratos.return-urls',
    'default return URL elsewhere',
    (f) => (f.kratos.defaultReturnURL = 'http://127.0.0.1:4455/welcome'),
  ],
  [
    'kratos.return-urls',
    'public origin not allowed',
    (f) => (f.kratos.allowedReturnURLs = ['exp://localhost:8081/--/Callback']),
  ],
  [
    'kratos.foreign-return-urls',
    'a foreign host allowed',
    (f) => f.kratos.allowedReturnURLs!.push('https://evil.example.net/'),
  ],
  ['email.verification-ui', 'verification on, no UI', (f) => delete f.kratos.uiURLs.verification],
  [
    'email.smtp-reachable',
    'SMTP down',
    (f) =>
      (live(f).smtp = { ok: false, error: 'connect ETIMEDOUT', address: 'smtp.example.com:465' }),
  ],
  [
    'edge.reachable',
    'edge down',
    (f) => (live(f).edge = { ok: false, error: 'connect ECONNREFUSED' }),
  ],
  [
    'proxy.flow-action',
    'form posts to Kratos directly',
    (f) => (flow(f).action = 'http://kratos-public:4433/self-service/registration?flow=5f0c'),
  ],
  ['proxy.csrf-cookie', 'no CSRF cookie', (f) => (flow(f).setCookies = [])],
  [
    'proxy.csrf-cookie',
    'CSRF cookie for another domain',
    (f) =>
      (flow(f).setCookies = [
        'csrf_token_82b=abc; Path=/; Domain=kratos.internal; HttpOnly; Secure; SameSite=Lax',
      ]),
  ],
  [
    'proxy.no-internal-host',
    'in-cluster name in the body',
    (f) => (flow(f).leaks = ['kratos-public:4433 in the body']),
  ],
  [
    'cookies.secure',
    'no Secure on https',
    (f) => (flow(f).setCookies = ['csrf_token_82b=abc; Path=/; HttpOnly; SameSite=Lax']),
  ],
  [
    'cookies.secure',
    'Secure on plain http beyond loopback',
    (f) => {
      f.edge.server.public_url = 'http://intranet.example.com';
      for (const [k, url] of Object.entries(f.kratos.uiURLs))
        f.kratos.uiURLs[k as 'login'] = url.replace(
          'https://app.example.com',
          'http://intranet.example.com',
        );
      f.kratos.publicBaseURL = 'http://intranet.example.com/api/ory/';
      f.kratos.defaultReturnURL = 'http://intranet.example.com/';
      f.kratos.allowedReturnURLs = ['http://intranet.example.com/'];
      f.hydra = {
        login: 'http://intranet.example.com/l',
        consent: 'http://intranet.example.com/c',
        logout: 'http://intranet.example.com/o',
        issuer: 'https://auth.example.com/',
      };
      live(f).hydra!.login = {
        location: 'http://intranet.example.com/oauth2/login?login_challenge=1',
      };
      delete live(f).hydra!.consent;
      flow(f).action = 'http://intranet.example.com/api/ory/self-service/registration?flow=1';
    },
  ],
  [
    'cookies.same-site',
    'SameSite=None over http',
    (f) => {
      onLocalHTTP(f);
      f.kratos.sameSite = 'None';
    },
  ],
  [
    'cookies.same-site',
    'a cookie SameSite=None without Secure',
    (f) => {
      onLocalHTTP(f);
      delete f.kratos.sameSite;
      flow(f).setCookies.push('ory_kratos_continuity=x; Path=/; HttpOnly; SameSite=None');
    },
  ],
  [
    'cookies.domain',
    'cookie domain of another site',
    (f) => (f.kratos.cookieDomain = 'example.org'),
  ],
  [
    'cookies.domain',
    'proxy cookie domain of a sibling',
    (f) => (f.edge.proxy.cookie_domain = 'api.example.com'),
  ],
  [
    'cookies.session-name',
    'Kratos renamed the session cookie',
    (f) => (f.kratos.sessionCookieName = '__Host-session'),
  ],
  ['clock.skew', "Kratos's clock 40s ahead", (f) => (flow(f).clockSkewMs = 40_000)],
  ['clock.skew', "Kratos's clock 9s behind", (f) => (flow(f).clockSkewMs = -9_000)],
  [
    'secrets.header-length',
    'a short header secret',
    (f) => (f.secrets.header = 'too-short-secret'),
  ],
  ['secrets.header-length', 'no header secret', (f) => delete f.secrets.header],
  [
    'secrets.header-length',
    'a short upstream secret',
    (f) => (f.secrets.upstreams[0]!.secret = 'short'),
  ],
  [
    'secrets.edge-examples',
    'the secret from the docs',
    (f) => (f.secrets.header = 'change-me-to-a-long-random-string-of-32+-chars'),
  ],
  [
    'secrets.kratos-examples',
    "Kratos's quickstart cookie secret in production",
    (f) => (f.kratos.secrets!.cookie = ['PLEASE-CHANGE-ME-I-AM-VERY-INSECURE']),
  ],
  [
    'secrets.shared-between-upstreams',
    'two upstreams, one secret',
    (f) => (f.secrets.upstreams[0]!.secret = HEADER_SECRET),
  ],
  ['secrets.revocation', 'webhook enabled without a secret', (f) => (f.secrets.revocation = {})],
  [
    'secrets.revocation',
    'Kratos calls the webhook, the edge has none',
    (f) => f.kratos.webHookURLs.push('http://edge:4000/.vestibule/revoke'),
  ],
  [
    'rules.shadowed',
    'a specific rule after a catch-all',
    (f) => rules(f).push({ id: 'reports', path: '/reports/**', mode: 'role', roles: ['admin'] }),
  ],
  [
    'rules.shadowed',
    'a rule after the same path',
    (f) => rules(f).splice(3, 0, { id: 'admin-again', path: '/admin/users', mode: 'public' }),
  ],
  [
    'rules.default-open',
    'default allow without a catch-all',
    (f) => {
      rules(f).pop();
      f.edge.gateway.default_decision = 'allow';
    },
  ],
  [
    'rules.unknown-role',
    'a rule for a role nobody has',
    (f) => (rules(f)[2] = { id: 'admin', path: '/admin/**', mode: 'role', roles: ['superuser'] }),
  ],
  [
    'rules.login-loop',
    "the app's own login page behind required",
    (f) => (f.kratos.uiURLs.login = 'https://app.example.com/signin'),
  ],
  [
    'upstream.reachable',
    'the app is down',
    (f) => (live(f).upstreams[1]!.reachability = { ok: false, error: 'connect ECONNREFUSED' }),
  ],
  [
    'hydra.urls',
    "Hydra's login URL on its own host",
    (f) => (f.hydra!.login = 'http://hydra:4444/login'),
  ],
  [
    'hydra.issuer',
    'issuer is the in-cluster Hydra',
    (f) => (f.hydra!.issuer = 'http://hydra:4444/'),
  ],
  [
    'hydra.issuer',
    'the live discovery names another issuer than hydra.public_url',
    (f) => (live(f).hydra!.discovery = { issuer: 'http://localhost:4444/' }),
  ],
  [
    'hydra.urls',
    'the live login redirect goes to the old login app (learned without hydra.yml)',
    (f) => {
      delete f.hydra;
      live(f).hydra!.login = { location: 'http://127.0.0.1:3000/login?login_challenge=1' };
    },
  ],
  [
    'hydra.urls',
    'the live consent redirect goes to the old consent app',
    (f) => {
      delete f.hydra;
      live(f).hydra!.consent = { location: 'http://127.0.0.1:3000/consent?consent_challenge=1' };
    },
  ],
  [
    'hydra.urls',
    'the live login redirect is on the edge but not its /oauth2/login',
    (f) => (live(f).hydra!.login = { location: 'https://app.example.com/login?login_challenge=1' }),
  ],
  [
    'hydra.public-reachable',
    "Hydra's public API down",
    (f) => {
      live(f).hydra!.public = { ok: false, error: 'connect ECONNREFUSED' };
      delete live(f).hydra!.discovery;
      delete live(f).hydra!.login;
      delete live(f).hydra!.consent;
    },
  ],
  [
    'hydra.public-reachable',
    'Hydra alive but not ready (its database)',
    (f) =>
      (live(f).hydra!.public = { ok: false, status: 503, error: 'HTTP 503 from /health/ready' }),
  ],
  [
    'hydra.admin-reachable',
    "Hydra's admin API down",
    (f) => {
      live(f).hydra!.admin = { ok: false, error: 'connect ECONNREFUSED' };
      delete live(f).hydra!.login;
    },
  ],
  [
    'hydra.admin-reachable',
    'hydra.admin_url unset',
    (f) => {
      delete f.edge.hydra.admin_url;
      delete live(f).hydra!.adminURL;
      delete live(f).hydra!.login;
    },
  ],
  [
    'hydra.admin-private',
    "Hydra's admin port open on the public host",
    (f) => (live(f).hydra!.adminExposedAt = ['http://auth.example.com:4445/admin/clients']),
  ],
];

test('the healthy setup passes every check', () => {
  const outcomes = runChecks(healthyFacts());
  const notOK = outcomes.filter((o) => o.status !== 'ok');
  assert.deepEqual(notOK, [], JSON.stringify(notOK, null, 2));
  assert.ok(ALL_CHECKS.length >= 25, `${ALL_CHECKS.length} checks`);
  assert.equal(new Set(ALL_CHECKS.map((c) => c.id)).size, ALL_CHECKS.length, 'ids are unique');
});

test('every check has a failing-setup case below', () => {
  const covered = new Set(BROKEN.map(([id]) => id));
  const missing = ALL_CHECKS.map((c) => c.id).filter((id) => !covered.has(id));
  assert.deepEqual(missing, []);
});

for (const [id, what, edit] of BROKEN) {
  test(`${id} fails, and only it, when: ${what}`, () => {
    const facts = healthyFacts();
    edit(facts);
    const outcomes = runChecks(facts);
    const failed = outcomes.filter((o) => o.status === 'fail');
    assert.deepEqual(
      failed.map((o) => o.id),
      [id],
      JSON.stringify(failed, null, 2),
    );
    const [failure] = failed;
    assert.ok(failure!.fix && /[.!]$/.test(failure!.fix), `a one-sentence fix: ${failure!.fix}`);
    assert.ok(!failure!.fix!.slice(0, -1).includes('. '), `one sentence: ${failure!.fix}`);
  });
}

test('offline, the live checks are skipped, never passed', () => {
  const facts = healthyFacts();
  delete facts.live;
  const outcomes = runChecks(facts);
  const skipped = outcomes.filter((o) => o.status === 'skip').map((o) => o.id);
  for (const id of [
    'kratos.public-reachable',
    'edge.reachable',
    'proxy.flow-action',
    'clock.skew',
    'upstream.reachable',
    'rules.unknown-role',
  ]) {
    assert.ok(skipped.includes(id), `${id} skipped offline`);
  }
  assert.equal(outcomes.filter((o) => o.status === 'fail').length, 0);
});

test('an embedded OAuth2 server still starting is reported as starting (!), never ✗', () => {
  const facts = healthyFacts();
  facts.live!.hydra = {
    publicURL: 'http://localhost:4444',
    adminURL: 'http://127.0.0.1:4445',
    starting: true,
    public: { ok: false, error: 'connect ECONNREFUSED' },
    admin: { ok: false, error: 'connect ECONNREFUSED' },
    adminExposedAt: [],
  };
  delete facts.hydra;
  facts.edge.hydra.public_url = 'http://localhost:4444';
  const outcomes = runChecks(facts);
  assert.deepEqual(
    outcomes.filter((o) => o.status === 'fail'),
    [],
  );
  const hydra = outcomes.filter((o) => o.id.startsWith('hydra.'));
  assert.deepEqual(
    hydra.map((o) => [o.id, o.status]),
    [
      ['hydra.public-reachable', 'warn'],
      ['hydra.admin-reachable', 'warn'],
      ['hydra.admin-private', 'warn'],
      ['hydra.issuer', 'skip'],
      ['hydra.urls', 'skip'],
    ],
  );
  assert.match(hydra[0]!.message, /still starting/);
});

test('without Hydra configured anywhere, the Hydra checks are skipped', () => {
  const facts = healthyFacts();
  delete facts.hydra;
  delete facts.live!.hydra;
  delete facts.edge.hydra.public_url;
  delete facts.edge.hydra.admin_url;
  const outcomes = runChecks(facts).filter((o) => o.id.startsWith('hydra.'));
  assert.deepEqual(new Set(outcomes.map((o) => o.status)), new Set(['skip']));
});

test('quickstart Kratos secrets are acceptable on loopback only', () => {
  const facts = healthyFacts();
  facts.kratos.secrets = {
    cookie: ['PLEASE-CHANGE-ME-I-AM-VERY-INSECURE'],
    cipher: ['32-LONG-SECRET-NOT-SECURE-AT-ALL'],
  };
  facts.edge.server.public_url = 'http://localhost:4000';
  const check = ALL_CHECKS.find((c) => c.id === 'secrets.kratos-examples')!;
  assert.equal(check.run(facts).status, 'ok');
  facts.edge.server.public_url = 'http://10.0.0.5:4000';
  assert.equal(check.run(facts).status, 'fail');
});

test('a regex rule or a rule with a wider method set is not called shadowed', () => {
  const facts = healthyFacts();
  facts.edge.gateway.rules.splice(0, 0, {
    id: 'notes-get',
    path: '/notes/*',
    methods: ['GET'],
    mode: 'optional',
  });
  facts.edge.gateway.rules.splice(4, 0, { id: 'api', regex: '^/api/.*$', mode: 'required' });
  const check = ALL_CHECKS.find((c) => c.id === 'rules.shadowed')!;
  assert.equal(check.run(facts).status, 'ok', check.run(facts).message);
});

test("the edge's own /login page is served before the rules: a catch-all required rule is no loop", () => {
  const facts = healthyFacts();
  facts.edge.gateway.rules.shift(); // no public rule for /login any more
  const check = ALL_CHECKS.find((c) => c.id === 'rules.login-loop')!;
  assert.equal(check.run(facts).status, 'ok', check.run(facts).message);
  facts.kratos.uiURLs.login = 'https://app.example.com/signin';
  facts.edge.gateway.rules.unshift({ id: 'signin', path: '/signin', mode: 'public' });
  assert.equal(check.run(facts).status, 'ok', 'the app page with a public rule');
});

test("with Kratos's own oauth2_provider, Hydra's login on the edge's /login page passes; without it, it fails", () => {
  const onLoginPage = (f: DoctorFacts) => {
    live(f).hydra!.login = { location: 'https://app.example.com/login?login_challenge=1' };
  };
  const withKratos = healthyFacts();
  withKratos.kratos.oauth2ProviderURL = 'http://hydra:4445';
  onLoginPage(withKratos);
  const passed = runChecks(withKratos).find((o) => o.id === 'hydra.urls')!;
  assert.equal(passed.status, 'ok', JSON.stringify(passed));
  assert.match(passed.message, /oauth2_provider answers the login/);
  const without = healthyFacts();
  onLoginPage(without);
  assert.equal(runChecks(without).find((o) => o.id === 'hydra.urls')!.status, 'fail');
  // The consent is still the edge's /oauth2/consent, whoever answers the login.
  live(withKratos).hydra!.consent = {
    location: 'https://app.example.com/consent?consent_challenge=1',
  };
  assert.equal(runChecks(withKratos).find((o) => o.id === 'hydra.urls')!.status, 'fail');
});

// Per-flow and per-method `after.default_browser_return_url` (Kratos config
// SelfServiceFlow<Kind>ReturnTo(strategy)): a browser without return_to goes to the method's URL,
// else the flow's, else selfservice.default_browser_return_url; an explicit return_to wins.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { parseConfig, SHIPPED_CONFIG_PATH } from '../../src/config/index.ts';
import { createIdentityServer, type IdentityServer } from '../../src/server.ts';

const PUBLIC = 'http://127.0.0.1:4433';
const ADMIN = 'http://127.0.0.1:4434';
const LOGIN_PASSWORD = 'http://localhost:4000/after-login-password';
const REGISTRATION = 'http://localhost:4000/after-registration';
const SETTINGS_PASSWORD = 'http://localhost:4000/after-settings-password';
const password = 'a long enough password 1';

let server: IdentityServer;
before(async () => {
  type Flows = Record<string, Record<string, unknown>>;
  const raw = parse(readFileSync(SHIPPED_CONFIG_PATH, 'utf8')) as {
    selfservice: { flows: Flows; allowed_return_urls?: string[] };
  };
  const flows = raw.selfservice.flows;
  flows.login!.after = {
    default_browser_return_url: 'http://localhost:4000/after-login',
    password: { default_browser_return_url: LOGIN_PASSWORD },
  };
  flows.registration!.style = 'unified';
  flows.registration!.after = {
    ...(flows.registration!.after as object),
    default_browser_return_url: REGISTRATION,
  };
  flows.settings!.after = {
    ...(flows.settings!.after as object),
    password: {
      ...((flows.settings!.after as Flows).password as object),
      default_browser_return_url: SETTINGS_PASSWORD,
    },
  };
  raw.selfservice.allowed_return_urls = ['http://localhost:4000/'];
  const { config } = parseConfig(raw, {
    baseDir: dirname(SHIPPED_CONFIG_PATH),
    env: {
      SERVE_PUBLIC_BASE_URL: `${PUBLIC}/`,
      SERVE_ADMIN_BASE_URL: `${ADMIN}/`,
      HASHERS_BCRYPT_COST: '4',
    },
  });
  server = await createIdentityServer({ config, log: () => {} });
});
after(() => server.close());

type Flow = {
  id: string;
  ui: { nodes: Array<{ attributes: { name: string; value?: string } }> };
  continue_with?: Array<{ action: string; redirect_browser_to?: string }>;
};

/** A browser (SPA) flow: init with JSON, submit with its CSRF cookie and token; the JSON answer. */
async function spa(kind: string, body: Record<string, unknown>, query = '', cookie = '') {
  const init = await server.publicHandler(
    new Request(`${PUBLIC}/self-service/${kind}/browser${query}`, {
      headers: { accept: 'application/json', ...(cookie ? { cookie } : {}) },
    }),
  );
  const flow = (await init.json()) as Flow;
  const csrfCookie =
    init.headers.getSetCookie()[0]?.split(';')[0] ??
    cookie.split('; ').find((c) => c.startsWith('csrf_token_'))!;
  const csrf = flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')!.attributes.value;
  const sessionPart = cookie.split('; ').filter((c) => !c.startsWith('csrf_token_'));
  const submit = await server.publicHandler(
    new Request(`${PUBLIC}/self-service/${kind}?flow=${flow.id}`, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        cookie: [csrfCookie, ...sessionPart].join('; '),
      },
      body: JSON.stringify({ ...body, csrf_token: csrf }),
    }),
  );
  const answer = (await submit.json()) as Flow & { continue_with?: Flow['continue_with'] };
  const cookies = submit.headers.getSetCookie().map((c) => c.split(';')[0]!);
  const next = [
    cookies.find((c) => c.startsWith('csrf_token_')) ?? csrfCookie,
    cookies.find((c) => c.startsWith('ory_kratos_session')) ?? sessionPart.join('; '),
  ]
    .filter(Boolean)
    .join('; ');
  return { status: submit.status, answer, cookie: next };
}

const redirectTo = (answer: Flow) =>
  answer.continue_with?.find((c) => c.action === 'redirect_browser_to')?.redirect_browser_to;

test('registration without return_to goes to after.default_browser_return_url', async () => {
  const { status, answer } = await spa('registration', {
    method: 'password',
    traits: { email: 'after-reg@example.org' },
    password,
  });
  assert.equal(status, 200);
  assert.equal(redirectTo(answer), REGISTRATION);
});

test('login: the per-method URL wins over the flow URL; an explicit return_to over both', async () => {
  const login = { method: 'password', identifier: 'after-reg@example.org', password };
  assert.equal(redirectTo((await spa('login', login)).answer), LOGIN_PASSWORD);
  const explicit = 'http://localhost:4000/chosen';
  const withReturnTo = await spa('login', login, `?return_to=${encodeURIComponent(explicit)}`);
  assert.equal(redirectTo(withReturnTo.answer), explicit);
});

test('settings: after.password.default_browser_return_url is where a password change goes', async () => {
  const login = await spa('login', {
    method: 'password',
    identifier: 'after-reg@example.org',
    password,
  });
  const change = await spa(
    'settings',
    { method: 'password', password: 'another long password 2' },
    '',
    login.cookie,
  );
  assert.equal(change.status, 200);
  assert.equal(redirectTo(change.answer), SETTINGS_PASSWORD);
});

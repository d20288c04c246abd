// `web_hook` hooks against a local HTTP receiver (node:http), as Kratos's web_hook.go behaves:
// method, headers and auth; can_interrupt / response.parse messages on the flow; response.ignore
// never blocking; response.parse changing the identity before it is saved; failures and timeouts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseConfig } from '../../src/config/index.ts';
import { createIdentityServer } from '../../src/server.ts';
import { createMemoryContext } from '../support/memory-context.ts';
import { createClient } from '../support/http-client.ts';
import { lifecycleSetup } from '../recovery/support.ts';

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

type Answer = (req: Received, res: ServerResponse) => void;

/** The parts of a flow, success or error answer the tests read. */
interface FlowAnswer {
  ui: {
    nodes: Array<{ attributes: { name?: string; value?: unknown }; messages: unknown[] }>;
    messages?: unknown[];
  };
  identity: { id: string; traits: Record<string, unknown> };
  session_token?: string;
  error: { message: string; reason?: string };
}

/** One receiver for the file: each path answers as its script says; every request is recorded. */
const received: Received[] = [];
const scripts = new Map<string, Answer>();
const held: ServerResponse[] = [];
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    const entry = { method: req.method!, path: req.url!, headers: req.headers, body };
    received.push(entry);
    const script = scripts.get(req.url!.split('?')[0]!);
    if (script) script(entry, res);
    else res.writeHead(204).end();
  });
});
let hookBase = '';

before(async () => {
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  hookBase = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
after(() => {
  for (const res of held) res.destroy();
  receiver.closeAllConnections();
  receiver.close();
});

const jsonAnswer =
  (status: number, body: unknown): Answer =>
  (_req, res) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
/** Never answers (until the file's end): a hung receiver. */
const hang: Answer = (_req, res) => void held.push(res);

const webHook = (path: string, config: Record<string, unknown> = {}) => ({
  hook: 'web_hook',
  config: { url: `${hookBase}${path}`, method: 'POST', ...config },
});

async function setup(flows: Record<string, unknown>, options = {}) {
  const context = await createMemoryContext({ selfservice: { flows } }, options);
  const server = await createIdentityServer({ context });
  const api = createClient(context.config.serve.public.base_url, server.publicHandler);
  return { context, server, api };
}

/** Registration's after.password hooks: the given hooks, then `session` as the shipped config. */
const registrationWith = (...hooks: unknown[]) => ({
  registration: { after: { password: { hooks: [...hooks, { hook: 'session' }] } } },
});

async function register(api: ReturnType<typeof createClient>, email: string) {
  const flow = (await (await api.request('/self-service/registration/api')).json()) as {
    id: string;
    ui: { action: string };
  };
  const res = await api.request(flow.ui.action, {
    method: 'POST',
    json: { method: 'password', traits: { email }, password: 'a long enough passphrase' },
  });
  return { flow, res, body: (await res.json()) as FlowAnswer };
}

const sent = (path: string) => received.filter((r) => r.path === path);

test('the hook receives the configured method, headers and api_key header auth, with an empty body', async () => {
  const { api } = await setup(
    registrationWith(
      webHook('/plain', {
        method: 'PUT',
        headers: { 'X-Tenant': 'acme' },
        auth: { type: 'api_key', config: { in: 'header', name: 'X-Api-Key', value: 's3cret' } },
      }),
    ),
  );
  const { res } = await register(api, 'plain@example.com');
  assert.equal(res.status, 200);
  const [call] = sent('/plain');
  assert.ok(call, 'the hook was called');
  assert.equal(call.method, 'PUT');
  assert.equal(call.headers['x-tenant'], 'acme');
  assert.equal(call.headers['x-api-key'], 's3cret');
  assert.equal(call.headers['content-type'], 'application/json');
  assert.equal(call.body, '');
});

test('basic_auth and api_key in a cookie reach the receiver (login after hooks)', async () => {
  const { api } = await setup({
    ...registrationWith(),
    login: {
      after: {
        password: {
          hooks: [
            webHook('/basic', {
              auth: { type: 'basic_auth', config: { user: 'kratos', password: 'p:w' } },
            }),
            webHook('/cookie', {
              auth: { type: 'api_key', config: { in: 'cookie', name: 'hook_key', value: 'v1' } },
            }),
          ],
        },
      },
    },
  });
  await register(api, 'basic@example.com');
  const flow = (await (await api.request('/self-service/login/api')).json()) as {
    ui: { action: string };
  };
  const res = await api.request(flow.ui.action, {
    method: 'POST',
    json: {
      method: 'password',
      identifier: 'basic@example.com',
      password: 'a long enough passphrase',
    },
  });
  assert.equal(res.status, 200);
  const expected = `Basic ${Buffer.from('kratos:p:w').toString('base64')}`;
  assert.equal(sent('/basic')[0]?.headers.authorization, expected);
  assert.equal(sent('/cookie')[0]?.headers.cookie, 'hook_key=v1');
});

test('login after hook with response.parse: a 403 with messages stops the login, on the flow', async () => {
  scripts.set(
    '/login-no',
    jsonAnswer(403, {
      messages: [{ instance_ptr: '', messages: [{ id: 9, text: 'Locked.', type: 'error' }] }],
    }),
  );
  const { api } = await setup({
    ...registrationWith(),
    login: {
      after: { password: { hooks: [webHook('/login-no', { response: { parse: true } })] } },
    },
  });
  await register(api, 'locked@example.com');
  const flow = (await (await api.request('/self-service/login/api')).json()) as {
    ui: { action: string };
  };
  const res = await api.request(flow.ui.action, {
    method: 'POST',
    json: {
      method: 'password',
      identifier: 'locked@example.com',
      password: 'a long enough passphrase',
    },
  });
  assert.equal(res.status, 400);
  const body = (await res.json()) as FlowAnswer;
  assert.deepEqual(body.ui.messages, [{ id: 9, text: 'Locked.', type: 'error' }]);
  assert.equal(body.session_token, undefined);
});

test('can_interrupt: a 400 with messages stops registration and shows them on the flow', async () => {
  scripts.set(
    '/interrupt',
    jsonAnswer(400, {
      messages: [
        {
          instance_ptr: '#/traits/email',
          messages: [
            {
              id: 4000099,
              text: 'This domain is not allowed.',
              type: 'error',
              context: { domain: 'example.org' },
            },
          ],
        },
        { instance_ptr: '#/', messages: [{ id: 1, text: 'Try again later.', type: 'info' }] },
      ],
    }),
  );
  const { api, context } = await setup(
    registrationWith(webHook('/interrupt', { can_interrupt: true })),
  );
  const { res, body } = await register(api, 'blocked@example.org');
  assert.equal(res.status, 400);
  const email = body.ui.nodes.find((n) => n.attributes.name === 'traits.email');
  assert.deepEqual(email?.messages, [
    {
      id: 4000099,
      text: 'This domain is not allowed.',
      type: 'error',
      context: { domain: 'example.org' },
    },
  ]);
  assert.deepEqual(body.ui.messages, [{ id: 1, text: 'Try again later.', type: 'info' }]);
  const found = await context.persister.findIdentityByCredentialIdentifier(
    'password',
    'blocked@example.org',
  );
  assert.equal(found, undefined, 'no identity was created');
});

test('can_interrupt on a browser form post: back to the registration UI, the message on the flow', async () => {
  scripts.set(
    '/browser-no',
    jsonAnswer(400, {
      messages: [
        { instance_ptr: '#/traits/email', messages: [{ id: 5, text: 'No.', type: 'error' }] },
      ],
    }),
  );
  const { api, context } = await setup(
    registrationWith(webHook('/browser-no', { can_interrupt: true })),
  );
  const init = await api.request('/self-service/registration/browser', {
    headers: { accept: 'application/json' },
  });
  const flow = (await init.json()) as FlowAnswer & { id: string; ui: { action: string } };
  const csrf = String(
    flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')?.attributes.value,
  );
  const res = await api.request(flow.ui.action, {
    method: 'POST',
    form: {
      csrf_token: csrf,
      method: 'password',
      'traits.email': 'browser@example.com',
      password: 'a long enough passphrase',
    },
  });
  assert.equal(res.status, 302);
  const location = new URL(res.headers.get('location')!);
  assert.equal(location.searchParams.get('flow'), flow.id);
  assert.equal(
    location.pathname,
    new URL(context.config.selfservice.flows.registration.ui_url).pathname,
  );
  const shown = (await (
    await api.request(`/self-service/registration/flows?id=${flow.id}`)
  ).json()) as FlowAnswer;
  const email = shown.ui.nodes.find((n) => n.attributes.name === 'traits.email');
  assert.deepEqual(email?.messages, [{ id: 5, text: 'No.', type: 'error' }]);
});

test('response.ignore: a hung receiver does not hold the flow up', async () => {
  scripts.set('/hang', hang);
  const { api } = await setup(registrationWith(webHook('/hang', { response: { ignore: true } })));
  const { res } = await register(api, 'ignored@example.com');
  // The receiver has not answered (and never will): the flow finished anyway.
  assert.equal(res.status, 200);
  await waitFor(() => sent('/hang').length === 1);
  assert.equal(held.length, 1);
});

test('response.parse: the answer changes traits and metadata before the identity is saved', async () => {
  scripts.set(
    '/parse',
    jsonAnswer(200, {
      identity: {
        traits: { email: 'rewritten@example.com' },
        metadata_public: { role: 'member' },
        metadata_admin: { crm_id: 42 },
      },
    }),
  );
  const { api, context } = await setup(
    registrationWith(webHook('/parse', { response: { parse: true } })),
  );
  const { res, body } = await register(api, 'original@example.com');
  assert.equal(res.status, 200);
  assert.equal(body.identity.traits.email, 'rewritten@example.com');
  const saved = await context.persister.getIdentity(body.identity.id);
  assert.deepEqual(saved?.traits, { email: 'rewritten@example.com' });
  assert.deepEqual(saved?.metadata_public, { role: 'member' });
  assert.deepEqual(saved?.metadata_admin, { crm_id: 42 });
  // The password identifier follows the rewritten traits.
  const byNew = await context.persister.findIdentityByCredentialIdentifier(
    'password',
    'rewritten@example.com',
  );
  assert.equal(byNew?.id, body.identity.id);
});

test('response.parse: traits a hook makes invalid are refused on the flow, nothing saved', async () => {
  scripts.set('/bad-traits', jsonAnswer(200, { identity: { traits: { email: 'not an email' } } }));
  const { api, context } = await setup(
    registrationWith(webHook('/bad-traits', { response: { parse: true } })),
  );
  const { res, body } = await register(api, 'valid@example.com');
  assert.equal(res.status, 400);
  const email = body.ui.nodes.find((n) => n.attributes.name === 'traits.email');
  assert.ok((email?.messages.length ?? 0) > 0);
  assert.equal(
    await context.persister.findIdentityByCredentialIdentifier('password', 'valid@example.com'),
    undefined,
  );
});

test('a failing hook that cannot interrupt fails the flow with 502 (after the identity is saved, as Kratos)', async () => {
  scripts.set('/broken', jsonAnswer(500, { oops: true }));
  const { api, context } = await setup(registrationWith(webHook('/broken')));
  const { res, body } = await register(api, 'broken@example.com');
  assert.equal(res.status, 502);
  assert.equal(body.error.message, 'webhook failed with status code 500');
  assert.equal(
    body.error.reason,
    'A third-party upstream service responded improperly. Please try again later.',
  );
  assert.equal(body.session_token, undefined, 'no session was issued');
  const found = await context.persister.findIdentityByCredentialIdentifier(
    'password',
    'broken@example.com',
  );
  assert.ok(found, 'a post-persist hook runs after the identity is saved');
});

test('a failing login after-hook refuses the login: no session', async () => {
  scripts.set('/login-broken', jsonAnswer(503, {}));
  const { api, context } = await setup({
    ...registrationWith(),
    login: { after: { password: { hooks: [webHook('/login-broken')] } } },
  });
  const { body: reg } = await register(api, 'nologin@example.com');
  const sessionsBefore = await context.persister.listSessionsOfIdentity(reg.identity.id);
  const flow = (await (await api.request('/self-service/login/api')).json()) as {
    ui: { action: string };
  };
  const res = await api.request(flow.ui.action, {
    method: 'POST',
    json: {
      method: 'password',
      identifier: 'nologin@example.com',
      password: 'a long enough passphrase',
    },
  });
  assert.equal(res.status, 502);
  const body = (await res.json()) as FlowAnswer;
  assert.equal(body.session_token, undefined);
  const sessionsAfter = await context.persister.listSessionsOfIdentity(reg.identity.id);
  assert.equal(sessionsAfter.length, sessionsBefore.length);
});

test('a synchronous hook that does not answer in time fails the flow with 504', async () => {
  scripts.set('/slow', hang);
  const { api } = await setup(registrationWith(webHook('/slow')), { webHookTimeoutMs: 150 });
  const { res, body } = await register(api, 'slow@example.com');
  assert.equal(res.status, 504);
  assert.equal(
    body.error.reason,
    'A third-party upstream service could not be reached. Please try again later.',
  );
});

test('before hooks run when a flow is created; a failure refuses the flow', async () => {
  scripts.set('/before-ok', (_req, res) => res.writeHead(204).end());
  scripts.set('/before-broken', jsonAnswer(500, {}));
  const ok = await setup({
    login: { before: { hooks: [webHook('/before-ok', { method: 'GET' })] } },
  });
  const created = await ok.api.request('/self-service/login/api');
  assert.equal(created.status, 200);
  assert.equal(sent('/before-ok')[0]?.method, 'GET');
  const broken = await setup({ registration: { before: { hooks: [webHook('/before-broken')] } } });
  const refused = await broken.api.request('/self-service/registration/api');
  assert.equal(refused.status, 502);
});

test('config: a Jsonnet body, ignore with parse, and a missing url are refused at startup', () => {
  const base = {
    dsn: 'memory',
    selfservice: {
      default_browser_return_url: 'http://localhost:4000/',
      flows: {} as Record<string, unknown>,
    },
    identity: { default_schema_id: 'x', schemas: [{ id: 'x', url: 'file:///dev/null' }] },
  };
  const withHook = (config: Record<string, unknown>) => ({
    ...base,
    selfservice: {
      ...base.selfservice,
      flows: { registration: { after: { password: { hooks: [{ hook: 'web_hook', config }] } } } },
    },
  });
  const url = 'http://127.0.0.1:1/h';
  assert.throws(
    () => parseConfig(withHook({ url, method: 'POST', body: 'file:///body.jsonnet' })),
    /after\.password\.hooks\[0\]\.config\.body: Jsonnet request bodies are not supported/,
  );
  assert.throws(
    () => parseConfig(withHook({ url, method: 'POST', response: { ignore: true, parse: true } })),
    /cannot ignore its response/,
  );
  assert.throws(() => parseConfig(withHook({ method: 'POST' })), /config\.url: required/);
  assert.throws(
    () => parseConfig(withHook({ url, method: 'POST', headers: { 'Bad Name': 'x' } })),
    /config\.headers: contains a header name or value that cannot be sent/,
  );
  assert.throws(
    () => parseConfig(withHook({ url, method: 'TRACE' })),
    /config\.method: "TRACE" cannot be sent/,
  );
  assert.throws(
    () => parseConfig(withHook({ url, method: 'POST', auth: { type: 'oauth2', config: {} } })),
    /config\.auth\.type: expected api_key or basic_auth/,
  );
  const { config, warnings } = parseConfig(withHook({ url, method: 'post', headers: { A: 'b' } }));
  // Real Kratos fails a hook without a body template: the operator is told at startup.
  assert.deepEqual(
    warnings.filter((w) => w.code === 'differs_from_kratos').map((w) => w.key),
    ['selfservice.flows.registration.after.password.hooks[0].config.body'],
  );
  assert.deepEqual(config.selfservice.web_hooks?.registration.after.password, [
    {
      url,
      method: 'POST',
      headers: { A: 'b' },
      can_interrupt: false,
      response: { ignore: false, parse: false },
    },
  ]);
});

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), 'condition reached');
}

/** A settings submit over the API with the registration's session token. */
async function settingsSubmit(
  api: ReturnType<typeof createClient>,
  token: string,
  json: Record<string, unknown>,
) {
  const headers = { 'x-session-token': token };
  const flow = (await (await api.request('/self-service/settings/api', { headers })).json()) as {
    ui: { action: string };
  };
  const res = await api.request(flow.ui.action, { method: 'POST', headers, json });
  return { res, body: (await res.json()) as FlowAnswer };
}

test('settings profile: response.parse sets metadata; can_interrupt shows the messages and saves nothing', async () => {
  scripts.set(
    '/settings-parse',
    jsonAnswer(200, { identity: { metadata_public: { plan: 'pro' } } }),
  );
  const parsed = await setup({
    ...registrationWith(),
    settings: {
      after: { profile: { hooks: [webHook('/settings-parse', { response: { parse: true } })] } },
    },
  });
  const reg = await register(parsed.api, 'profile@example.com');
  const saved = await settingsSubmit(parsed.api, reg.body.session_token!, {
    method: 'profile',
    traits: { email: 'profile@example.com', name: { first: 'Pat' } },
  });
  assert.equal(saved.res.status, 200);
  const stored = await parsed.context.persister.getIdentity(reg.body.identity.id);
  assert.deepEqual(stored?.metadata_public, { plan: 'pro' });
  assert.deepEqual(stored?.traits, { email: 'profile@example.com', name: { first: 'Pat' } });

  scripts.set(
    '/settings-no',
    jsonAnswer(422, {
      messages: [
        {
          instance_ptr: '#/traits/name/first',
          messages: [{ id: 7, text: 'Name taken.', type: 'error' }],
        },
      ],
    }),
  );
  const refused = await setup({
    ...registrationWith(),
    settings: { after: { profile: { hooks: [webHook('/settings-no', { can_interrupt: true })] } } },
  });
  const reg2 = await register(refused.api, 'refused@example.com');
  const answer = await settingsSubmit(refused.api, reg2.body.session_token!, {
    method: 'profile',
    traits: { email: 'refused@example.com', name: { first: 'Taken' } },
  });
  assert.equal(answer.res.status, 400);
  const first = answer.body.ui.nodes.find((n) => n.attributes.name === 'traits.name.first');
  assert.deepEqual(first?.messages, [{ id: 7, text: 'Name taken.', type: 'error' }]);
  const unchanged = await refused.context.persister.getIdentity(reg2.body.identity.id);
  assert.deepEqual(unchanged?.traits, { email: 'refused@example.com' });
});

test('verification after hooks run once an address is verified', async () => {
  const life = await lifecycleSetup({
    selfservice: {
      flows: { ...registrationWith(), verification: { after: { hooks: [webHook('/verified')] } } },
    },
  });
  const api = life.browser();
  await register(api, 'verify@example.com');
  const flow = (await (await api.request('/self-service/verification/api')).json()) as {
    ui: { action: string };
  };
  await api.request(flow.ui.action, {
    method: 'POST',
    json: { method: 'code', email: 'verify@example.com' },
  });
  await life.courier.idle();
  const mail = life.mailbox.messages().find((m) => m.to === 'verify@example.com'); // newest first
  const code = mail ? /^(\d{6})$/m.exec(mail.text)?.[1] : undefined;
  assert.ok(code, 'a verification code was sent');
  assert.equal(sent('/verified').length, 0);
  const done = await api.request(flow.ui.action, {
    method: 'POST',
    json: { method: 'code', code },
  });
  assert.equal(done.status, 200);
  assert.equal(((await done.json()) as { state: string }).state, 'passed_challenge');
  assert.equal(sent('/verified').length, 1);
});

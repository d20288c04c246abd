// Login `style: identifier_first` (Kratos selfservice/strategy/idfirst): the first screen is the
// identifier alone, the submit answers the credential screen for it, the password submit logs in;
// an unknown identifier gets the same screen (with account enumeration mitigated) and then the same
// 4000006 as a wrong password; refresh and aal2 flows keep their own forms. Nodes as Kratos's
// TestFormHydration snapshots give them. In-process on the memory context (fast).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createIdentityServer, type IdentityServer } from '../../src/server.ts';
import { createMemoryContext } from '../support/memory-context.ts';
import { createClient, type TestClient } from '../support/http-client.ts';

interface Node {
  type: string;
  group: string;
  attributes: Record<string, unknown>;
  messages: Array<{ id: number }>;
  meta: { label?: { id: number } };
}
interface Flow {
  id: string;
  state?: string;
  active?: string;
  refresh?: boolean;
  requested_aal?: string;
  transient_payload?: unknown;
  session_token?: string;
  session?: { identity: { id: string } };
  ui: { action: string; nodes: Node[] | null; messages?: Array<{ id: number }> };
  error?: { id?: string };
}

const EMAIL = 'idfirst@example.com';
const PASSWORD = 'an identifier-first password 7';
const UNKNOWN = 'nobody-here@example.com';

interface Running {
  server: IdentityServer;
  base: string;
  ui: string;
  returnURL: string;
  client(): TestClient;
  close(): Promise<void>;
}

async function start(overrides: Record<string, unknown>): Promise<Running> {
  const context = await createMemoryContext(overrides);
  const server = await createIdentityServer({ context });
  const base = context.config.serve.public.base_url;
  const created = await server.adminHandler(
    new Request(new URL('/admin/identities', context.config.serve.admin.base_url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        schema_id: 'default',
        traits: { email: EMAIL },
        credentials: { password: { config: { password: PASSWORD } } },
      }),
    }),
  );
  assert.equal(created.status, 201, await created.clone().text());
  return {
    server,
    base,
    ui: context.config.selfservice.flows.login.ui_url,
    returnURL: context.config.selfservice.default_browser_return_url,
    client: () => createClient(base, server.publicHandler),
    close: () => server.close(),
  };
}

const IDFIRST = { selfservice: { flows: { login: { style: 'identifier_first' } } } };
const MITIGATED = { ...IDFIRST, security: { account_enumeration: { mitigate: true } } };

/** group:type:name:attributes.type[=value] and label id, the shape Kratos's snapshots fix. */
const shape = (nodes: Node[] | null) =>
  (nodes ?? []).map(
    (n) =>
      `${n.group}:${n.type}:${String(n.attributes.name)}:${String(n.attributes.type)}` +
      (n.attributes.type === 'submit' ? `=${String(n.attributes.value)}` : '') +
      (n.meta.label ? `#${n.meta.label.id}` : ''),
  );
const node = (flow: Flow, name: string) => flow.ui.nodes?.find((n) => n.attributes.name === name);

async function body(res: Response): Promise<Flow> {
  return (await res.json()) as Flow;
}

async function apiFlow(client: TestClient, query = '', headers: HeadersInit = {}) {
  const res = await client.request(`/self-service/login/api${query}`, { headers });
  assert.equal(res.status, 200);
  return body(res);
}

function submit(client: TestClient, flow: Flow, json: Record<string, unknown>, headers = {}) {
  return client.request(flow.ui.action, { method: 'POST', json, headers });
}

const FIRST_SCREEN = [
  'default:input:csrf_token:hidden',
  'identifier_first:input:identifier:text#1070002',
  'identifier_first:input:method:submit=identifier_first#1070009',
];
const SECOND_SCREEN = [
  'default:input:csrf_token:hidden',
  'identifier_first:input:identifier:hidden#1070002',
  'password:input:password:password#1070001',
  'password:input:method:submit=password#1010022',
];

describe('identifier_first, account enumeration mitigated', () => {
  let run: Running;
  before(async () => {
    run = await start(MITIGATED);
  });
  after(() => run.close());

  test('the first screen: the identifier and "Continue" in the identifier_first group', async () => {
    const flow = await apiFlow(run.client());
    assert.deepEqual(shape(flow.ui.nodes), FIRST_SCREEN);
    const identifier = node(flow, 'identifier')!;
    assert.equal(identifier.attributes.required, true);
    assert.equal(identifier.attributes.autocomplete, 'username webauthn');
    assert.equal(identifier.attributes.value, '');
    assert.equal(node(flow, 'csrf_token')!.attributes.value, '', 'API flows: an empty csrf_token');
    assert.equal(flow.state, 'choose_method');
  });

  test('identifier submit → the credential screen with the identifier carried; the password logs in', async () => {
    const client = run.client();
    const flow = await apiFlow(client);
    const res = await submit(client, flow, {
      method: 'identifier_first',
      identifier: EMAIL,
      transient_payload: { from: 'test' },
    });
    assert.equal(res.status, 400);
    const second = await body(res);
    assert.equal(second.id, flow.id);
    assert.deepEqual(shape(second.ui.nodes), SECOND_SCREEN);
    assert.equal(node(second, 'identifier')!.attributes.value, EMAIL);
    assert.equal(node(second, 'identifier')!.attributes.autocomplete, 'username webauthn');
    assert.equal(node(second, 'password')!.attributes.autocomplete, 'current-password');
    assert.equal(second.active, 'identifier_first');
    assert.equal(second.state, 'choose_method');
    assert.deepEqual(second.transient_payload, { from: 'test' });
    assert.equal(second.ui.messages, undefined);
    // Fetching the flow shows the same screen (it is stored).
    const fetched = await body(await client.request(`/self-service/login/flows?id=${flow.id}`));
    assert.deepEqual(shape(fetched.ui.nodes), SECOND_SCREEN);

    const done = await submit(client, second, {
      method: 'password',
      identifier: EMAIL,
      password: PASSWORD,
    });
    assert.equal(done.status, 200, await done.clone().text());
    const session = await body(done);
    assert.ok(session.session_token);
  });

  test('an unknown identifier gets the same screen, then the same 4000006 as a wrong password', async () => {
    const client = run.client();
    const answers: Flow[] = [];
    for (const identifier of [EMAIL, UNKNOWN]) {
      const flow = await apiFlow(client);
      const second = await submit(client, flow, { method: 'identifier_first', identifier });
      assert.equal(second.status, 400);
      const screen = await body(second);
      assert.deepEqual(shape(screen.ui.nodes), SECOND_SCREEN, identifier);
      assert.equal(node(screen, 'identifier')!.attributes.value, identifier);
      assert.equal(screen.active, 'identifier_first');
      const refused = await submit(client, screen, {
        method: 'password',
        identifier,
        password: 'not the password at all',
      });
      assert.equal(refused.status, 400);
      answers.push(await body(refused));
    }
    const [known, unknown] = answers as [Flow, Flow];
    assert.deepEqual(
      known.ui.messages?.map((m) => m.id),
      [4000006],
    );
    assert.deepEqual(
      unknown.ui.messages?.map((m) => m.id),
      [4000006],
    );
    assert.deepEqual(shape(unknown.ui.nodes), shape(known.ui.nodes));
    assert.deepEqual(shape(known.ui.nodes), SECOND_SCREEN, 'still the credential screen');
  });

  test('browser form posts: 303 back to the login UI on the credential screen, then signed in', async () => {
    const client = run.client();
    const init = await client.request('/self-service/login/browser');
    assert.equal(init.status, 303);
    const id = new URL(init.headers.get('location')!).searchParams.get('flow')!;
    const flow = await body(await client.request(`/self-service/login/flows?id=${id}`));
    assert.deepEqual(shape(flow.ui.nodes), FIRST_SCREEN);
    const csrf = String(node(flow, 'csrf_token')!.attributes.value);
    assert.notEqual(csrf, '');

    // Without the CSRF token the submit is refused and the flow stays on the first screen.
    const forged = await client.request(flow.ui.action, {
      method: 'POST',
      form: { method: 'identifier_first', identifier: EMAIL },
    });
    assert.notEqual(forged.headers.get('location'), `${run.ui}?flow=${id}`);
    const unchanged = await body(await client.request(`/self-service/login/flows?id=${id}`));
    assert.deepEqual(shape(unchanged.ui.nodes), FIRST_SCREEN);

    const next = await client.request(flow.ui.action, {
      method: 'POST',
      form: { method: 'identifier_first', identifier: EMAIL, csrf_token: csrf },
    });
    assert.equal(next.status, 303);
    assert.equal(next.headers.get('location'), `${run.ui}?flow=${id}`);
    const second = await body(await client.request(`/self-service/login/flows?id=${id}`));
    assert.deepEqual(shape(second.ui.nodes), SECOND_SCREEN);
    const hidden = Object.fromEntries(
      second.ui
        .nodes!.filter((n) => n.attributes.type === 'hidden')
        .map((n) => [String(n.attributes.name), String(n.attributes.value)]),
    );
    assert.equal(hidden.identifier, EMAIL);
    assert.notEqual(hidden.csrf_token, '');

    const done = await client.request(second.ui.action, {
      method: 'POST',
      form: { ...hidden, password: PASSWORD, method: 'password' },
    });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), run.returnURL);
    const whoami = await client.request('/sessions/whoami');
    assert.equal(whoami.status, 200);
  });

  test('SPA (browser flow, JSON): 400 with the credential screen', async () => {
    const client = run.client();
    const init = await client.request('/self-service/login/browser', {
      headers: { accept: 'application/json' },
    });
    const flow = await body(init);
    const csrf = String(node(flow, 'csrf_token')!.attributes.value);
    const res = await submit(client, flow, {
      method: 'identifier_first',
      identifier: UNKNOWN,
      csrf_token: csrf,
    });
    assert.equal(res.status, 400);
    const second = await body(res);
    assert.deepEqual(shape(second.ui.nodes), SECOND_SCREEN);
    assert.notEqual(node(second, 'csrf_token')!.attributes.value, '');
  });

  test('an empty identifier: 4000003 on the identifier, still the first screen', async () => {
    const client = run.client();
    const flow = await apiFlow(client);
    const res = await submit(client, flow, { method: 'identifier_first', identifier: '' });
    assert.equal(res.status, 400);
    const again = await body(res);
    assert.deepEqual(shape(again.ui.nodes), FIRST_SCREEN);
    assert.deepEqual(
      node(again, 'identifier')!.messages.map((m) => m.id),
      [4000003],
    );
    const array = await submit(client, flow, { method: 'identifier_first', identifier: [EMAIL] });
    assert.equal(array.status, 400);
    const typed = await body(array);
    assert.deepEqual(shape(typed.ui.nodes), FIRST_SCREEN);
    assert.deepEqual(
      node(typed, 'identifier')!.messages.map((m) => m.id),
      [4000026],
    );
  });

  test('the password method is still accepted on the first screen, as Kratos accepts it', async () => {
    const client = run.client();
    const flow = await apiFlow(client);
    const res = await submit(client, flow, {
      method: 'password',
      identifier: EMAIL,
      password: PASSWORD,
    });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal((await body(res)).session?.identity.id !== undefined, true);
  });

  test('refresh=true keeps the re-authentication form; it is not re-identified', async () => {
    const client = run.client();
    // Without a session there is nothing to refresh: `refresh: false` and the identifier screen.
    const anonymous = await apiFlow(client, '?refresh=true');
    assert.equal(anonymous.refresh, false);
    assert.deepEqual(shape(anonymous.ui.nodes), FIRST_SCREEN);
    const flow = await apiFlow(client);
    const first = await body(
      await submit(client, flow, { method: 'identifier_first', identifier: EMAIL }),
    );
    const login = await body(
      await submit(client, first, { method: 'password', identifier: EMAIL, password: PASSWORD }),
    );
    const token = login.session_token!;
    const refresh = await apiFlow(client, '?refresh=true', { 'x-session-token': token });
    assert.equal(refresh.refresh, true);
    assert.deepEqual(shape(refresh.ui.nodes), [
      'default:input:csrf_token:hidden',
      'default:input:identifier:hidden',
      'password:input:password:password#1070001',
      'password:input:method:submit=password#1010001',
    ]);
    const other = await submit(
      client,
      refresh,
      { method: 'identifier_first', identifier: UNKNOWN },
      { 'x-session-token': token },
    );
    assert.equal(other.status, 400);
    assert.deepEqual(
      (await body(other)).ui.messages?.map((m) => m.id),
      [4010002],
    );
    const refreshed = await submit(
      client,
      refresh,
      { method: 'password', identifier: EMAIL, password: PASSWORD },
      { 'x-session-token': token },
    );
    assert.equal(refreshed.status, 200, await refreshed.clone().text());

    // aal2 over an aal1 session: no second factor exists, so nodes null and 1010004, and the
    // identifier-first method does not serve it (Kratos: 4010002).
    const stepUp = await apiFlow(client, '?aal=aal2', { 'x-session-token': token });
    assert.equal(stepUp.ui.nodes, null);
    assert.deepEqual(
      stepUp.ui.messages?.map((m) => m.id),
      [1010004],
    );
    const refused = await submit(
      client,
      stepUp,
      { method: 'identifier_first', identifier: EMAIL },
      { 'x-session-token': token },
    );
    assert.equal(refused.status, 400);
    assert.deepEqual(
      (await body(refused)).ui.messages?.map((m) => m.id),
      [4010002],
    );
  });
});

describe('identifier_first without mitigation (Kratos default)', () => {
  let run: Running;
  before(async () => {
    run = await start(IDFIRST);
  });
  after(() => run.close());

  test('an unknown identifier: 4000037 on the visible identifier, no credential screen', async () => {
    const client = run.client();
    const flow = await apiFlow(client);
    const res = await submit(client, flow, { method: 'identifier_first', identifier: UNKNOWN });
    assert.equal(res.status, 400);
    const answer = await body(res);
    assert.deepEqual(shape(answer.ui.nodes), FIRST_SCREEN);
    const identifier = node(answer, 'identifier')!;
    assert.equal(identifier.attributes.value, UNKNOWN);
    assert.deepEqual(
      identifier.messages.map((m) => m.id),
      [4000037],
    );
    assert.notEqual(answer.active, 'identifier_first');
  });

  test('a known identifier still gets the credential screen', async () => {
    const client = run.client();
    const flow = await apiFlow(client);
    const res = await submit(client, flow, { method: 'identifier_first', identifier: EMAIL });
    assert.deepEqual(shape((await body(res)).ui.nodes), SECOND_SCREEN);
  });
});

test('unified style (the default): method=identifier_first is no strategy (4010002)', async () => {
  const run = await start({});
  try {
    const client = run.client();
    const flow = await apiFlow(client);
    assert.ok(shape(flow.ui.nodes).includes('default:input:identifier:text#1070002'));
    const res = await submit(client, flow, { method: 'identifier_first', identifier: EMAIL });
    assert.equal(res.status, 400);
    assert.deepEqual(
      (await body(res)).ui.messages?.map((m) => m.id),
      [4010002],
    );
  } finally {
    await run.close();
  }
});

// In-process tests of the browser and API flows on the memory context (fast; the contract suite
// repeats the important paths over real sockets on the SQL persister).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentityServer } from '../../src/server.ts';
import { createMemoryContext } from '../support/memory-context.ts';
import { createClient } from '../support/http-client.ts';

async function setup(overrides = {}) {
  const context = await createMemoryContext(overrides);
  const server = await createIdentityServer({ context });
  const base = context.config.serve.public.base_url;
  const browser = () => createClient(base, server.publicHandler);
  return { server, context, browser, base };
}

async function initBrowserFlow(
  client: ReturnType<Awaited<ReturnType<typeof setup>>['browser']>,
  kind: string,
) {
  const res = await client.request(`/self-service/${kind}/browser`, {
    headers: { accept: 'application/json' },
  });
  assert.equal(res.status, 200);
  const flow = (await res.json()) as {
    id: string;
    ui: { action: string; nodes: Array<{ attributes: Record<string, unknown> }> };
  };
  const csrf = flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')!.attributes
    .value as string;
  return { flow, csrf };
}

test('browser registration as a form post sets a session cookie and redirects to the return URL', async () => {
  const { browser, context } = await setup();
  const client = browser();
  const init = await client.request('/self-service/registration/browser');
  assert.equal(init.status, 303);
  const location = new URL(init.headers.get('location')!);
  assert.equal(
    location.origin + location.pathname,
    context.config.selfservice.flows.registration.ui_url,
  );
  const flowId = location.searchParams.get('flow')!;
  const fetched = await client.request(`/self-service/registration/flows?id=${flowId}`);
  assert.equal(fetched.status, 200);
  const flow = (await fetched.json()) as {
    ui: { action: string; nodes: Array<{ attributes: Record<string, unknown> }> };
  };
  const csrf = String(
    flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')!.attributes.value,
  );
  const submit = await client.request(flow.ui.action, {
    method: 'POST',
    form: {
      csrf_token: csrf,
      method: 'password',
      'traits.email': 'ada@example.com',
      password: 'correct horse battery',
      'traits.name.first': 'Ada',
    },
  });
  assert.equal(submit.status, 303, await submit.clone().text());
  assert.equal(
    submit.headers.get('location'),
    context.config.selfservice.default_browser_return_url,
  );
  const whoami = await client.request('/sessions/whoami');
  assert.equal(whoami.status, 200);
  const session = (await whoami.json()) as {
    identity: { traits: Record<string, unknown>; id: string };
  };
  assert.equal(session.identity.traits.email, 'ada@example.com');
  assert.deepEqual(session.identity.traits.name, { first: 'Ada' });
  assert.equal(whoami.headers.get('x-kratos-authenticated-identity-id'), session.identity.id);
});

test('JSON login with wrong password gives 400 with 4000006, right password 200 with session', async () => {
  const { browser } = await setup();
  const client = browser();
  const reg = await initBrowserFlow(client, 'registration');
  const r = await client.request(reg.flow.ui.action, {
    method: 'POST',
    json: {
      csrf_token: reg.csrf,
      method: 'password',
      traits: { email: 'bob@example.com' },
      password: 'a long passphrase',
    },
  });
  assert.equal(r.status, 200, await r.clone().text());

  const other = browser();
  const login = await initBrowserFlow(other, 'login');
  const bad = await other.request(login.flow.ui.action, {
    method: 'POST',
    json: {
      csrf_token: login.csrf,
      method: 'password',
      identifier: 'bob@example.com',
      password: 'wrong password!',
    },
  });
  assert.equal(bad.status, 400);
  const badFlow = (await bad.json()) as { ui: { messages: Array<{ id: number }> } };
  assert.equal(badFlow.ui.messages[0]!.id, 4000006);
  const good = await other.request(login.flow.ui.action, {
    method: 'POST',
    json: {
      csrf_token: login.csrf,
      method: 'password',
      identifier: 'BOB@example.com',
      password: 'a long passphrase',
    },
  });
  assert.equal(good.status, 200, await good.clone().text());
  const body = (await good.json()) as {
    session: { identity: { traits: { email: string } } };
    continue_with: unknown[];
  };
  assert.equal(body.session.identity.traits.email, 'bob@example.com');
  assert.deepEqual(body.continue_with, [
    { action: 'redirect_browser_to', redirect_browser_to: 'http://localhost:4000/' },
  ]);
  const again = await other.request(login.flow.ui.action, {
    method: 'POST',
    json: {
      csrf_token: login.csrf,
      method: 'password',
      identifier: 'bob@example.com',
      password: 'a long passphrase',
    },
  });
  assert.equal(again.status, 400);
  assert.equal(
    ((await again.json()) as { error: { id: string } }).error.id,
    'session_already_available',
  );
});

test('API registration and login return a session token usable with X-Session-Token and Bearer', async () => {
  const { server, base } = await setup();
  const api = createClient(base, server.publicHandler);
  const flow = (await (await api.request('/self-service/registration/api')).json()) as {
    ui: { action: string };
  };
  const reg = await api.request(flow.ui.action, {
    method: 'POST',
    json: {
      method: 'password',
      traits: { email: 'cy@example.com' },
      password: 'another passphrase',
    },
  });
  assert.equal(reg.status, 200);
  const body = (await reg.json()) as {
    session_token: string;
    continue_with: Array<{ action: string }>;
  };
  assert.match(body.session_token, /^ory_st_/);
  assert.equal(body.continue_with[0]!.action, 'set_ory_session_token');
  const credentials: Array<Record<string, string>> = [
    { 'x-session-token': body.session_token },
    { authorization: `Bearer ${body.session_token}` },
  ];
  for (const headers of credentials) {
    const who = await server.publicHandler(
      new Request(new URL('/sessions/whoami', base), { headers }),
    );
    assert.equal(who.status, 200);
  }
  const logout = await server.publicHandler(
    new Request(new URL('/self-service/logout/api', base), {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ session_token: body.session_token }),
    }),
  );
  assert.equal(logout.status, 204);
  const who = await server.publicHandler(
    new Request(new URL('/sessions/whoami', base), {
      headers: { 'x-session-token': body.session_token },
    }),
  );
  assert.equal(who.status, 401);
  // whoami's 401 has no error id in Kratos (shared/ory/kratos/transcripts/whoami.json).
  assert.equal(((await who.json()) as { error: { id?: string } }).error.id, undefined);
});

test('base_url with a path (behind a same-origin proxy): URLs carry it once, also in a replaced expired flow', async () => {
  const base = 'http://localhost:4000/api/ory/';
  const { browser, context } = await setup({ serve: { public: { base_url: base } } });
  const client = browser();
  const { flow, csrf } = await initBrowserFlow(client, 'login');
  const wire = flow as unknown as { request_url: string };
  assert.equal(wire.request_url, `${base}self-service/login/browser`);
  assert.equal(flow.ui.action, `${base}self-service/login?flow=${flow.id}`);

  context.clock.advance(2 * 60 * 60 * 1000);
  // What the proxy does: the prefix is the proxy's, the identity server routes without it.
  const res = await client.request(flow.ui.action.replace('/api/ory', ''), {
    method: 'POST',
    json: { csrf_token: csrf, method: 'password', identifier: 'a@example.org', password: 'x' },
  });
  assert.equal(res.status, 410);
  const body = (await res.json()) as { error: { id: string }; use_flow_id: string };
  assert.equal(body.error.id, 'self_service_flow_expired');
  const next = await client.request(`/self-service/login/flows?id=${body.use_flow_id}`, {
    headers: { accept: 'application/json' },
  });
  assert.equal(next.status, 200);
  assert.equal(
    ((await next.json()) as { request_url: string }).request_url,
    `${base}self-service/login/browser`,
  );
});

// The session cookie follows session.cookie.* and the base URL's scheme, as Kratos's does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createIdentityServer } from '../../src/server.ts';
import { createMemoryContext } from '../support/memory-context.ts';
import { createClient } from '../support/http-client.ts';

async function registerAndGetCookie(overrides: Record<string, unknown>): Promise<string> {
  const context = await createMemoryContext(overrides);
  const server = await createIdentityServer({ context });
  const client = createClient(context.config.serve.public.base_url, server.publicHandler);
  const init = await client.request('/self-service/registration/api');
  const flow = (await init.json()) as { ui: { action: string } };
  // A browser flow is needed for a cookie: use the JSON browser init and submit.
  const browserInit = await client.request('/self-service/registration/browser', {
    headers: { accept: 'application/json' },
  });
  const browserFlow = (await browserInit.json()) as {
    ui: { action: string; nodes: Array<{ attributes: Record<string, unknown> }> };
  };
  assert.ok(flow.ui.action);
  const csrf = browserFlow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')!.attributes
    .value;
  const csrfCookie = browserInit.headers.getSetCookie()[0]!.split(';')[0]!;
  const res = await server.publicHandler(
    new Request(browserFlow.ui.action, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: csrfCookie },
      body: JSON.stringify({
        method: 'password',
        csrf_token: csrf,
        traits: { email: 'cookie@example.com' },
        password: 'a long enough passphrase',
      }),
    }),
  );
  assert.equal(res.status, 200, await res.clone().text());
  const name =
    (overrides.session as { cookie?: { name?: string } } | undefined)?.cookie?.name ??
    'ory_kratos_session';
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  assert.ok(cookie, `a ${name} cookie is set`);
  return cookie;
}

test('default session cookie: HttpOnly, SameSite=Lax, Path=/, persistent, no Domain, not Secure on http', async () => {
  const cookie = await registerAndGetCookie({});
  assert.match(cookie, /; HttpOnly/);
  assert.match(cookie, /; SameSite=Lax/);
  assert.match(cookie, /; Path=\//);
  assert.match(cookie, /; Expires=/);
  assert.match(cookie, /; Max-Age=86400/);
  assert.doesNotMatch(cookie, /Domain=/i);
  assert.doesNotMatch(cookie, /; Secure/);
});

test('session.cookie name, domain, path, same_site and persistent=false are honoured; https base URL → Secure', async () => {
  const cookie = await registerAndGetCookie({
    serve: { public: { base_url: 'https://auth.example.com/' } },
    session: {
      lifespan: '2h',
      cookie: {
        name: 'my_session',
        domain: 'example.com',
        path: '/',
        same_site: 'Strict',
        persistent: false,
      },
    },
  });
  assert.match(cookie, /^my_session=ory_st_/);
  assert.match(cookie, /; Domain=example\.com/);
  assert.match(cookie, /; SameSite=Strict/);
  assert.match(cookie, /; Secure/);
  assert.doesNotMatch(
    cookie,
    /Expires=|Max-Age=/,
    'a non-persistent cookie is a browser-session cookie',
  );
});

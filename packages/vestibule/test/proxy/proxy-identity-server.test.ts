// The proxy in front of the embedded identity server, configured the way a cluster deployment often
// is: `serve.public.base_url: http://ory-kratos:4433/` (a name no browser can resolve) and cookie
// `Domain=ory-kratos`. A tough-cookie jar plays the browser, so a cookie the browser would drop is
// dropped here too. Everything goes over real sockets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CookieJar } from 'tough-cookie';
import { createIdentityServer, defaultConfig } from '@vestibule/identity-server';
import type { IdentityServer, Listening } from '@vestibule/identity-server';
import { createOryProxy, type LogoutEvent, type OryProxy } from '../../src/proxy/index.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import { serveHandler, type Running } from '../support/http-stubs.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Flow {
  id: string;
  ui: { action: string; nodes: Array<{ attributes: { name?: string; value?: unknown } }> };
}

describe('proxy → embedded identity server with an in-cluster base_url', () => {
  let server: IdentityServer;
  let kratos: Listening;
  let proxy: OryProxy;
  let edge: Running;
  let origin = '';
  const logouts: LogoutEvent[] = [];

  before(async () => {
    edge = await serveHandler((req, info) => proxy(req, info));
    origin = edge.url;
    const config = defaultConfig({
      serve: {
        public: { base_url: 'http://ory-kratos:4433/', host: '127.0.0.1', port: 0 },
        admin: { base_url: 'http://ory-kratos-admin:4434/', host: '127.0.0.1', port: 0 },
      },
      cookies: { domain: 'ory-kratos' },
      session: { cookie: { domain: 'ory-kratos' } },
      selfservice: {
        default_browser_return_url: `${origin}/`,
        allowed_return_urls: [`${origin}/`],
        flows: {
          login: { ui_url: `${origin}/login` },
          registration: { ui_url: `${origin}/registration` },
          error: { ui_url: `${origin}/error` },
        },
      },
      hashers: { bcrypt: { cost: 4 } },
    });
    server = await createIdentityServer({ config, log: () => undefined });
    kratos = await server.listen();
    proxy = createOryProxy({
      kratosPublicURL: kratos.publicURL,
      logger: createMemoryLogger(),
      onLogout: (e) => void logouts.push(e),
    });
  });
  after(async () => {
    await edge.close();
    await proxy.close();
    await server.close();
  });

  /** A browser: cookies through the jar, redirects not followed. */
  const jar = new CookieJar();
  async function browse(path: string, init: RequestInit = {}): Promise<Response> {
    const url = path.startsWith('http') ? path : `${origin}${path}`;
    const headers = new Headers(init.headers);
    const cookie = await jar.getCookieString(url);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie())
      await jar.setCookie(line, url, { ignoreError: true });
    return res;
  }

  async function startFlow(flow: 'login' | 'registration'): Promise<Flow> {
    const init = await browse(`/api/ory/self-service/${flow}/browser`, {
      headers: { accept: 'text/html' },
    });
    assert.equal(init.status, 303);
    const location = new URL(init.headers.get('location')!);
    assert.equal(location.origin + location.pathname, `${origin}/${flow}`);
    const id = location.searchParams.get('flow')!;
    assert.match(id, UUID);
    const res = await browse(`/api/ory/self-service/${flow}/flows?id=${id}`, {
      headers: { accept: 'application/json' },
    });
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as Flow;
  }

  function submit(flow: Flow, fields: Record<string, string>): Promise<Response> {
    const csrf = flow.ui.nodes.find((n) => n.attributes.name === 'csrf_token')!.attributes.value;
    return browse(flow.ui.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      body: new URLSearchParams({ csrf_token: String(csrf), ...fields }),
    });
  }

  test('login/browser → 303 to /login?flow=<uuid> with a host-only CSRF cookie', async () => {
    const res = await fetch(`${origin}/api/ory/self-service/login/browser`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!);
    assert.equal(location.pathname, '/login');
    assert.match(location.searchParams.get('flow')!, UUID);
    const csrf = res.headers.getSetCookie().find((c) => c.startsWith('csrf_token_'));
    assert.ok(csrf, 'a CSRF cookie');
    assert.doesNotMatch(
      csrf,
      /domain=/i,
      'Kratos said Domain=ory-kratos; the browser gets host-only',
    );
    assert.doesNotMatch(await res.text(), /ory-kratos/);
  });

  test('flow JSON has ui.action under /api/ory on the public origin (in-cluster base_url)', async () => {
    const flow = await startFlow('registration');
    assert.equal(flow.ui.action, `${origin}/api/ory/self-service/registration?flow=${flow.id}`);
    assert.doesNotMatch(JSON.stringify(flow), /ory-kratos/);
  });

  test('register, stay logged in, log out (onLogout fires), and the session is gone', async () => {
    const email = `ada-${Date.now()}@example.com`;
    const registration = await startFlow('registration');
    const done = await submit(registration, {
      method: 'password',
      'traits.email': email,
      password: 'a-long-and-unusual-passphrase-42',
    });
    assert.equal(done.status, 303, await done.clone().text());
    assert.equal(done.headers.get('location'), `${origin}/`);
    const whoami = await browse('/api/ory/sessions/whoami', {
      headers: { accept: 'application/json' },
    });
    assert.equal(whoami.status, 200, 'the host-only session cookie came back through the proxy');
    const session = (await whoami.json()) as { identity: { traits: { email: string } } };
    assert.equal(session.identity.traits.email, email);

    const logoutInit = await browse('/api/ory/self-service/logout/browser', {
      headers: { accept: 'application/json' },
    });
    const { logout_url } = (await logoutInit.json()) as { logout_url: string };
    assert.ok(logout_url.startsWith(`${origin}/api/ory/self-service/logout?token=`), logout_url);
    logouts.length = 0;
    const out = await browse(logout_url);
    assert.equal(out.status, 303);
    assert.equal(logouts.length, 1);
    assert.equal(logouts[0]!.kind, 'logout');
    assert.match(logouts[0]!.cookie ?? '', /ory_kratos_session=/);
    const after = await browse('/api/ory/sessions/whoami', {
      headers: { accept: 'application/json' },
    });
    assert.equal(after.status, 401);
  });

  test('double submit of a login: one reaches Kratos, both answers carry the session', async () => {
    const email = `grace-${Date.now()}@example.com`;
    const password = 'another-long-unusual-passphrase-7';
    const registration = await startFlow('registration');
    await submit(registration, { method: 'password', 'traits.email': email, password });
    await browse('/api/ory/self-service/logout/browser', {
      headers: { accept: 'application/json' },
    })
      .then((r) => r.json() as Promise<{ logout_url: string }>)
      .then((r) => browse(r.logout_url));
    const login = await startFlow('login');
    const fields = { method: 'password', identifier: email, password };
    const [a, b] = await Promise.all([submit(login, fields), submit(login, fields)]);
    for (const res of [a, b]) {
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `${origin}/`, 'no fake "wrong password" bounce');
      assert.ok(res.headers.getSetCookie().some((c) => c.startsWith('ory_kratos_session=')));
    }
    assert.equal([a, b].filter((r) => r.headers.get('x-vestibule-replayed')).length, 1);
  });

  test('admin paths are not reachable through the proxy', async () => {
    const res = await fetch(`${origin}/api/ory/admin/identities`, {
      headers: { accept: 'application/json' },
    });
    assert.equal(res.status, 404);
  });

  test('Kratos stopped → 502 with a request id, no internal host in the body', async () => {
    await kratos.close();
    const res = await fetch(`${origin}/api/ory/sessions/whoami`, {
      headers: { accept: 'application/json' },
    });
    assert.equal(res.status, 502);
    const text = await res.text();
    assert.match(text, /"request_id":"[0-9a-f-]{36}"/);
    assert.doesNotMatch(text, /127\.0\.0\.1|ory-kratos/);
  });
});

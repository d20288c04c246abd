// The proxy over real sockets against a stub Kratos that believes it lives at an in-cluster URL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { createOryProxy, type LogoutEvent, type OryProxy } from '../../src/proxy/index.ts';
import { createMemoryLogger } from '../../src/lib/logger.ts';
import {
  CSRF_COOKIE,
  CSRF_VALUE,
  startFakeKratos,
  type FakeKratos,
} from '../support/fake-kratos.ts';
import { serveHandler, type Running } from '../support/http-stubs.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('proxy against a stub Kratos with an in-cluster base_url', () => {
  let kratos: FakeKratos;
  let proxy: OryProxy;
  let edge: Running;
  const logouts: LogoutEvent[] = [];
  const logger = createMemoryLogger();
  const arrivals = new EventEmitter();
  let publicOrigin = '';

  before(async () => {
    // The edge's port is only known after it listens; Kratos redirects to the app's /login there.
    edge = await serveHandler((req, info) => {
      arrivals.emit('request');
      return proxy(req, info);
    });
    publicOrigin = edge.url;
    kratos = await startFakeKratos({ baseURL: 'http://ory-kratos:4433/', uiOrigin: publicOrigin });
    proxy = createOryProxy({
      kratosPublicURL: kratos.url,
      kratosBrowserURLs: ['http://ory-kratos:4433/'],
      onLogout: (event) => void logouts.push(event),
      logger,
    });
  });
  after(async () => {
    await edge.close();
    await kratos.close();
    await proxy.close();
  });

  test('login/browser → 303 to /login?flow=<uuid> with a host-only CSRF cookie', async () => {
    const res = await fetch(`${edge.url}/api/ory/self-service/login/browser`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    assert.equal(res.status, 303);
    const location = new URL(res.headers.get('location')!);
    assert.equal(location.origin, publicOrigin);
    assert.equal(location.pathname, '/login');
    assert.match(location.searchParams.get('flow')!, UUID);
    const cookies = res.headers.getSetCookie();
    assert.equal(cookies.length, 1);
    assert.ok(cookies[0]!.startsWith(`${CSRF_COOKIE}=${CSRF_VALUE};`), 'value byte for byte');
    assert.doesNotMatch(cookies[0]!, /domain=/i);
    assert.doesNotMatch(cookies[0]!, /secure/i, 'http origin: no Secure');
    const body = await res.text();
    assert.doesNotMatch(body, /ory-kratos/);
    assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(body)));
  });

  test('flow JSON through the proxy has ui.action and node URLs under /api/ory', async () => {
    const init = await fetch(`${edge.url}/api/ory/self-service/login/browser`, {
      redirect: 'manual',
    });
    const flowId = new URL(init.headers.get('location')!).searchParams.get('flow')!;
    const res = await fetch(`${edge.url}/api/ory/self-service/login/flows?id=${flowId}`, {
      headers: { accept: 'application/json', cookie: `${CSRF_COOKIE}=${CSRF_VALUE}` },
    });
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(text)));
    const flow = JSON.parse(text) as {
      ui: { action: string; nodes: Array<{ attributes: Record<string, unknown> }> };
      request_url: string;
      return_to: string;
    };
    assert.equal(flow.ui.action, `${publicOrigin}/api/ory/self-service/login?flow=${flowId}`);
    const [, script, trigger, link] = flow.ui.nodes;
    assert.equal(script!.attributes.src, `${publicOrigin}/api/ory/.well-known/ory/webauthn.js`);
    assert.equal(link!.attributes.href, `${publicOrigin}/api/ory/self-service/recovery/browser`);
    assert.match(
      String(trigger!.attributes.onclick),
      /ory-kratos:4433/,
      'onclick is code, untouched',
    );
    assert.ok(flow.request_url.startsWith(`${publicOrigin}/api/ory/self-service/login/browser`));
    assert.equal(flow.return_to, 'https://elsewhere.example/after', 'non-Kratos URL untouched');
  });

  test('a redirect to another Kratos endpoint: Location and the HTML body both land on the proxy', async () => {
    const res = await fetch(`${edge.url}/api/ory/self-service/recovery/browser`, {
      redirect: 'manual',
    });
    assert.equal(res.status, 303);
    const expected = `${publicOrigin}/api/ory/self-service/login/browser?return_to=${encodeURIComponent(publicOrigin)}`;
    assert.equal(res.headers.get('location'), expected);
    const body = await res.text();
    assert.equal(body, `<a href="${expected}">See Other</a>.\n`);
    assert.equal(res.headers.get('content-length'), String(Buffer.byteLength(body)));
  });

  test('the browser Cookie header and edge-built X-Forwarded-* reach Kratos; spoofed ones do not', async () => {
    await fetch(`${edge.url}/api/ory/sessions/whoami`, {
      headers: {
        cookie: 'a=1; ory_kratos_session=abc',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-host': 'evil.example',
        'x-user-id': 'admin',
        authorization: 'Basic dXNlcjpwYXNz',
      },
    });
    const seen = kratos.seen.at(-1)!;
    assert.equal(seen.url, '/sessions/whoami');
    assert.equal(seen.headers.cookie, 'a=1; ory_kratos_session=abc');
    assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen.headers['x-forwarded-host'], new URL(publicOrigin).host);
    assert.equal(seen.headers['x-forwarded-proto'], 'http');
    assert.equal(seen.headers['x-user-id'], undefined);
    assert.equal(seen.headers.authorization, undefined, 'Basic credentials are not for Kratos');
    assert.match(String(seen.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });

  test('admin paths are a 404 from the proxy and never reach Kratos', async () => {
    const before = kratos.seen.length;
    const res = await fetch(`${edge.url}/api/ory/admin/identities`, {
      headers: { accept: 'application/json' },
    });
    assert.equal(res.status, 404);
    const body = (await res.json()) as {
      error: { code: string; status: number; request_id: string };
    };
    assert.equal(body.error.code, 'NOT_FOUND');
    assert.equal(body.error.status, 404);
    assert.equal(body.error.request_id, res.headers.get('x-request-id'));
    assert.equal(kratos.seen.length, before);
  });

  test('TRACE and other methods Kratos does not use are refused with 405', async () => {
    const before = kratos.seen.length;
    const res = await fetch(`${edge.url}/api/ory/sessions/whoami`, { method: 'PROPFIND' });
    assert.equal(res.status, 405);
    assert.match(res.headers.get('allow')!, /GET/);
    assert.equal(kratos.seen.length, before);
  });

  test('double click on submit: one submit reaches Kratos, both get the session', async () => {
    const init = await fetch(`${edge.url}/api/ory/self-service/login/browser`, {
      redirect: 'manual',
    });
    const flowId = new URL(init.headers.get('location')!).searchParams.get('flow')!;
    const submit = () =>
      fetch(`${edge.url}/api/ory/self-service/login?flow=${flowId}`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `${CSRF_COOKIE}=${CSRF_VALUE}`,
        },
        body: new URLSearchParams({ identifier: 'a@b.c', password: 'right', method: 'password' }),
      });
    const submitsBefore = kratos.submits;
    // The first submit is parked at Kratos, so the second (the double click) reaches the edge while
    // the first is still in flight; only then does Kratos answer.
    const release = kratos.hold();
    const first$ = submit();
    await kratos.waitForPending(1);
    const secondArrived = once(arrivals, 'request');
    const second$ = submit();
    await secondArrived;
    release();
    const [first, second] = await Promise.all([first$, second$]);
    const third = await submit();
    assert.equal(kratos.submits - submitsBefore, 1);
    for (const res of [first, second, third]) {
      assert.equal(res.status, 303);
      assert.equal(res.headers.get('location'), `${publicOrigin}/welcome`);
      assert.match(res.headers.getSetCookie()[0]!, /^ory_kratos_session=session-/);
    }
    const replayed = [first, second, third].filter((r) => r.headers.get('x-vestibule-replayed'));
    assert.equal(replayed.length, 2);
  });

  test('a corrected resubmit of the same flow is not coalesced with the failed one', async () => {
    const flowId = 'f6a1c7d2-0000-4000-8000-000000000001';
    const submit = (password: string) =>
      fetch(`${edge.url}/api/ory/self-service/login?flow=${flowId}`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: `${CSRF_COOKIE}=${CSRF_VALUE}`,
        },
        body: new URLSearchParams({ identifier: 'a@b.c', password, method: 'password' }),
      });
    const wrong = await submit('wrong');
    assert.equal(new URL(wrong.headers.get('location')!).pathname, '/login');
    const right = await submit('right');
    assert.equal(right.headers.get('location'), `${publicOrigin}/welcome`);
  });

  test('a logout passing through fires onLogout with the cookie', async () => {
    logouts.length = 0;
    const res = await fetch(`${edge.url}/api/ory/self-service/logout?token=t`, {
      redirect: 'manual',
      headers: { cookie: 'ory_kratos_session=abc' },
    });
    assert.equal(res.status, 303);
    assert.equal(logouts.length, 1);
    assert.equal(logouts[0]!.kind, 'logout');
    assert.equal(logouts[0]!.cookie, 'ory_kratos_session=abc');
  });
});

test('in-process with an injected fetch: same rewriting, no socket, redirect stays manual', async () => {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const proxy = createOryProxy({
    kratosPublicURL: 'http://ory-kratos-public.auth.svc.cluster.local:4433/',
    publicOrigin: 'https://app.example.com',
    logger: createMemoryLogger(),
    fetch: async (input, init = {}) => {
      calls.push({ url: String(input), init });
      return new Response(null, {
        status: 303,
        headers: {
          location:
            'http://ory-kratos-public.auth.svc.cluster.local:4433/self-service/login/browser?refresh=true',
          'set-cookie': 'x=1; Domain=ory-kratos-public; Path=/',
        },
      });
    },
  });
  const res = await proxy(
    new Request('https://app.example.com/api/ory/self-service/login/browser?refresh=true'),
  );
  assert.equal(res.status, 303);
  assert.equal(
    res.headers.get('location'),
    'https://app.example.com/api/ory/self-service/login/browser?refresh=true',
  );
  assert.deepEqual(res.headers.getSetCookie(), ['x=1; Path=/; Secure']);
  assert.equal(
    calls[0]!.url,
    'http://ory-kratos-public.auth.svc.cluster.local:4433/self-service/login/browser?refresh=true',
  );
  assert.equal(calls[0]!.init.redirect, 'manual');
  await proxy.close();
});

// `/settings?flow=…` must never be decided by the edge's own access rules: Kratos answers for it
// (session_refresh_required, session_inactive, …) and asks for re-authentication itself. The real
// edge parts (proxy, pages, gateway) with rules that would refuse the path if they applied, in front
// of a stub Kratos that demands a refresh login and an upstream app that must never be asked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadConfigObject } from '../../src/config/index.ts';
import type { RunningEdge } from '../../src/edge/start-edge.ts';
import { startTestEdge } from '../support/edge.ts';

const FLOW = '0b0f4f2e-9a4e-4b59-9e1c-2f1f6d2c7a11';
const PUBLIC = 'http://edge.test';

let kratos: Server;
let upstream: Server;
let edge: RunningEdge;
const kratosSaw: string[] = [];
const upstreamSaw: string[] = [];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

before(async () => {
  kratos = createServer((req, res) => {
    kratosSaw.push(`${req.method} ${req.url}`);
    const url = new URL(req.url!, 'http://kratos');
    if (url.pathname === '/self-service/settings/flows') {
      // What Kratos says for a settings flow whose session is too old for the change.
      const back = `http://ory-kratos:4433/self-service/settings?flow=${url.searchParams.get('id')}`;
      res.writeHead(403, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: { id: 'session_refresh_required', code: 403, status: 'Forbidden', message: 'x' },
          redirect_browser_to: `http://ory-kratos:4433/self-service/login/browser?refresh=true&return_to=${encodeURIComponent(back)}`,
        }),
      );
      return;
    }
    res.writeHead(404).end();
  });
  upstream = createServer((req, res) => {
    upstreamSaw.push(`${req.method} ${req.url}`);
    res.end('app');
  });
  const [kratosURL, upstreamURL] = await Promise.all([listen(kratos), listen(upstream)]);
  const { config } = loadConfigObject(
    {
      server: { public_url: PUBLIC },
      // An admin URL is configured, yet dev.mailbox is off (the default outside `vestibule up`).
      kratos: { public_url: kratosURL, admin_url: kratosURL },
      gateway: {
        upstream_url: upstreamURL,
        header_secret: 'a-header-secret-of-at-least-32-characters',
        default_decision: 'deny',
        // Both would refuse an anonymous /settings if the gateway were asked.
        rules: [
          { id: 'settings', path: '/settings', mode: 'role', roles: ['admin'] },
          { id: 'everything', path: '/**', mode: 'required' },
        ],
      },
    },
    { env: {} },
  );
  edge = await startTestEdge(config);
});

after(async () => {
  await edge?.close();
  await Promise.all(
    [kratos, upstream].map((s) => new Promise((resolve) => s?.close(() => resolve(undefined)))),
  );
});

test('/settings?flow= is answered by the pages from Kratos, never by the access rules', async () => {
  const res = await fetch(`${edge.url}/settings?flow=${FLOW}`, {
    headers: { accept: 'text/html', cookie: 'ory_kratos_session=stale' },
    redirect: 'manual',
  });
  assert.equal(res.status, 303);
  const location = new URL(res.headers.get('location')!, PUBLIC);
  // Kratos's own re-authentication, through the same-origin proxy.
  assert.equal(location.origin + location.pathname, `${PUBLIC}/api/ory/self-service/login/browser`);
  assert.equal(location.searchParams.get('refresh'), 'true');
  assert.ok(
    kratosSaw.includes(`GET /self-service/settings/flows?id=${FLOW}`),
    `Kratos was asked for the flow: ${kratosSaw.join(', ')}`,
  );
  assert.deepEqual(upstreamSaw, [], 'the gateway and its upstream never saw the request');

  // The same rules do apply to the app's own paths (the test would prove nothing otherwise).
  const app = await fetch(`${edge.url}/notes`, {
    headers: { accept: 'text/html' },
    redirect: 'manual',
  });
  assert.notEqual(app.status, 200);
  assert.deepEqual(upstreamSaw, []);
});

test('the dev mailbox is not served unless dev.mailbox is on: the path is an ordinary gated one', async () => {
  const res = await fetch(`${edge.url}/dev/mailbox`, {
    headers: { accept: 'text/html' },
    redirect: 'manual',
  });
  assert.notEqual(res.status, 200);
  assert.ok(
    !kratosSaw.some((line) => line.includes('/admin/courier/messages')),
    'the courier admin API was never asked',
  );
  assert.deepEqual(upstreamSaw, [], 'refused by the access rules before the upstream');
});

// Issue 13: Kratos and the edge can use `__Host-` session cookies over https (Kratos's
// `session.cookie.name: __Host-ory_kratos_session`, the edge's `gateway.session_cookie_name`). The
// proxy's Set-Cookie rewriting keeps such a cookie valid — Path=/, Secure, never a Domain (RFC
// 6265bis §4.1.3: a browser drops it otherwise) — and the gateway reads it, then strips it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningEdge } from '../../src/edge/start-edge.ts';
import { rewriteSetCookie } from '../../src/proxy/set-cookie.ts';
import { SECRET, startUpstream, type Upstream } from '../support/gateway-stack.ts';
import { startFakeKratos, type FakeKratos } from '../support/fake-kratos.ts';
import { startConfiguredEdge } from '../support/configured-edge.ts';

const NAME = '__Host-ory_kratos_session';
const FROM_KRATOS = `${NAME}=MTY4; Path=/; Domain=kratos.internal; Expires=Wed, 01 Jan 2031 00:00:00 GMT; HttpOnly; Secure; SameSite=Lax`;

test('a __Host- cookie keeps Path=/ and Secure and gets no Domain, even with cookie_domain', () => {
  const out = rewriteSetCookie(FROM_KRATOS, { secure: true, cookieDomain: 'example.com' });
  assert.equal(
    out,
    `${NAME}=MTY4; Path=/; Expires=Wed, 01 Jan 2031 00:00:00 GMT; HttpOnly; SameSite=Lax; Secure`,
  );
});

test('__Host- and __Secure- cookies keep Secure on an http public origin (localhost)', () => {
  assert.match(rewriteSetCookie(FROM_KRATOS, { secure: false }), /; Secure$/);
  assert.match(rewriteSetCookie('__Secure-a=1; Path=/x; Secure', { secure: false }), /; Secure$/);
  assert.doesNotMatch(rewriteSetCookie('plain=1; Secure', { secure: false }), /Secure/);
});

let kratos: FakeKratos;
let upstream: Upstream;
let edge: RunningEdge;

before(async () => {
  kratos = await startFakeKratos({ cookieName: NAME });
  upstream = await startUpstream();
  edge = await startConfiguredEdge({
    server: { public_url: 'https://edge.example.test' },
    kratos: { public_url: kratos.url },
    gateway: {
      upstream_url: upstream.url,
      header_secret: SECRET,
      session_cookie_name: NAME,
      rules: [{ path: '/**', mode: 'required' }],
    },
  });
});
after(async () => {
  await edge.close();
  await upstream.close();
  await kratos.close();
});

test('the gateway authenticates with the __Host- session cookie and strips it', async () => {
  const { token, session } = kratos.addSession();
  const res = await fetch(`${edge.url}/account`, {
    headers: { cookie: `${NAME}=${token}; theme=dark`, accept: 'application/json' },
  });
  assert.equal(res.status, 200);
  await res.arrayBuffer();
  const seen = upstream.seen.at(-1)!;
  assert.equal(seen.headers['x-user-id'], session.identity.id);
  assert.equal(seen.headers.cookie, 'theme=dark');
});

// ≥ 200 generated spoofing variants of identity headers, sent as raw bytes (no client library
// normalising names), must never reach the upstream; the real identity must still arrive intact.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHeaderVerifier } from '../../src/identity-headers/verify.ts';
import {
  RULES,
  SECRET,
  rawGatewayRequest,
  sendSpoofedHeaders,
  startGatewayStack,
  type Stack,
} from '../support/gateway-stack.ts';

let stack: Stack;
before(async () => {
  stack = await startGatewayStack({ rules: RULES });
});
after(() => stack.close());

const NAMES = [
  'x-user-id',
  'x-user-email',
  'x-user-role',
  'x-vestibule-signature',
  'x-user-groups',
  'x-vestibule-anything',
  'x-user',
  'x-remote-user',
  'remote-user',
  'x-forwarded-user',
  'x-forwarded-email',
  'x-auth-request-user',
  'x-authenticated-user',
  'x-kratos-authenticated-identity-id',
];

function spellings(name: string): string[] {
  const title = name.replace(
    /(^|-)([a-z])/g,
    (_m, dash: string, ch: string) => dash + ch.toUpperCase(),
  );
  const mixed = [...name].map((ch, i) => (i % 2 ? ch.toUpperCase() : ch)).join('');
  return [
    name,
    name.toUpperCase(),
    title,
    mixed,
    name.replace(/-/g, '_'),
    title.replace(/-/g, '_'),
    name.replace(/-/g, '.'),
    name.replace(/-/, '_'), // mixed separators: x_user-id
  ];
}

interface Variant {
  lines: string[];
  label: string;
}

function variants(): Variant[] {
  const out: Variant[] = [];
  let n = 0;
  for (const name of NAMES) {
    for (const spelling of spellings(name)) {
      const copies = n % 3 === 0 ? 2 : 1;
      const lines = Array.from({ length: copies }, (_v, i) => `${spelling}: SPOOF-${n}-${i}`);
      out.push({ lines, label: `${spelling} x${copies}` });
      n++;
    }
  }
  // All at once, interleaved with ordinary headers, plus a forged-but-well-formed signature.
  out.push({
    label: 'everything at once',
    lines: [
      'X-User-Id: SPOOF-all-1',
      'accept: */*',
      'x_user_role: SPOOF-all-admin',
      'X-Vestibule-Signature: v1;t=9999999999;n=SPOOFnonce;s=' + 'A'.repeat(43),
      'x-user-id: SPOOF-all-2',
    ],
  });
  return out;
}

const rawRequest = (path: string, lines: string[], cookie?: string) =>
  rawGatewayRequest(stack, path, lines, cookie);

test('≥ 200 identity-header spoofing variants never reach the upstream, on every mode', async () => {
  const all = variants();
  const { token, session } = stack.kratos.addSession({ role: 'admin', email: 'real@example.com' });
  const routes: Array<{ path: string; cookie?: string; expectUser: boolean }> = [
    { path: '/static/x', expectUser: false },
    { path: '/api/whoami', expectUser: false },
    { path: '/api/whoami', cookie: token, expectUser: true },
    { path: '/account', cookie: token, expectUser: true },
    { path: '/admin/panel', cookie: token, expectUser: true },
  ];
  const verify = createHeaderVerifier({ secret: SECRET, replayProtection: false });
  let sent = 0;
  for (const [i, variant] of all.entries()) {
    const route = routes[i % routes.length]!;
    const before = stack.upstream.seen.length;
    const response = await rawRequest(route.path, variant.lines, route.cookie);
    assert.match(response, /^HTTP\/1\.1 200/, variant.label);
    const seen = stack.upstream.seen[before];
    assert.ok(seen, `${variant.label}: reached the upstream`);
    const leaked = seen.rawHeaders.filter((v) => v.includes('SPOOF'));
    assert.deepEqual(leaked, [], `${variant.label} on ${route.path}`);
    if (route.expectUser) {
      assert.equal(seen.headers['x-user-id'], session.identity.id, variant.label);
      assert.equal(seen.headers['x-user-role'], 'admin');
      const verdict = verify(new Headers(seen.headers as Record<string, string>), {
        method: 'GET',
        path: route.path,
      });
      assert.equal(verdict.state, 'user', variant.label);
    } else {
      assert.equal(seen.headers['x-user-id'], undefined, variant.label);
    }
    sent++;
  }
  assert.ok(sent >= 100, `sent ${sent}`);
});

test('the same variants with a second batch of values (total ≥ 200 distinct requests)', async () => {
  // Repeat every variant on the optional route with a session token instead of a cookie.
  const { token, session } = stack.kratos.addSession();
  let sent = 0;
  for (const variant of variants()) {
    const before = stack.upstream.seen.length;
    await rawRequest('/api/whoami', [...variant.lines, `X-Session-Token: ${token}`]);
    const seen = stack.upstream.seen[before]!;
    assert.deepEqual(
      seen.rawHeaders.filter((v) => v.includes('SPOOF')),
      [],
      variant.label,
    );
    assert.equal(seen.headers['x-user-id'], session.identity.id);
    sent++;
  }
  assert.ok(sent + variants().length >= 200, `${sent * 2} requests in total`);
});

const sendNoneReachUpstream = (lines: string[]) => sendSpoofedHeaders(stack, lines);

test('rule bypass via URL and method override headers: X-Original-URL, X-Rewrite-URL, X-HTTP-Method-Override never reach the upstream', async () => {
  // Symfony/Laminas/IIS route on X-Original-URL / X-Rewrite-URL, method-override middleware on
  // X-HTTP-Method-Override: the upstream would serve another path or method than the rule checked.
  const lines = [
    'X-Original-URL: /admin/SPOOF',
    'x_rewrite_url: /admin/SPOOF',
    'X-HTTP-Method-Override: SPOOF',
    'X-HTTP-Method: SPOOF',
    'X-Method-Override: SPOOF',
  ];
  await sendNoneReachUpstream(lines);
});

test('client address spoofing: X-Real-IP, X-Client-IP, X-Cluster-Client-IP never reach the upstream', async () => {
  const lines = ['X-Real-IP: 10.0.0.1SPOOF', 'x_client_ip: SPOOF', 'X-Cluster-Client-IP: SPOOF'];
  const seen = await sendNoneReachUpstream(lines);
  assert.ok(seen.headers['x-forwarded-for'], 'the edge still states the client address');
});

// Less common gateway settings: permission rules with a check function, the profile role,
// default allow, trusted proxies, per-rule upstreams, and option validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createGateway } from '../../src/gateway/index.ts';
import type { PermissionCheckInput } from '../../src/gateway/index.ts';
import {
  SECRET,
  json,
  startGatewayStack,
  startUpstream,
  withCookie,
} from '../support/gateway-stack.ts';

test('permission mode calls the configured check with the user and the templated object', async () => {
  const calls: PermissionCheckInput[] = [];
  const stack = await startGatewayStack({
    rules: [
      {
        path: '/docs/*',
        mode: 'permission',
        permission: { namespace: 'Document', relation: 'view', object: 'doc:{path}' },
      },
    ],
    checkPermission: async (input) => {
      calls.push(input);
      if (input.path === '/docs/broken') throw new Error('keto down');
      return input.path === '/docs/mine';
    },
  });
  try {
    const { token, session } = stack.kratos.addSession();
    assert.equal(
      (await fetch(stack.url + '/docs/mine', { headers: withCookie(token) })).status,
      200,
    );
    assert.equal(
      (await fetch(stack.url + '/docs/theirs', { headers: withCookie(token, json) })).status,
      403,
    );
    assert.equal(
      (await fetch(stack.url + '/docs/broken', { headers: withCookie(token, json) })).status,
      503,
      'check failure fails closed',
    );
    assert.equal(
      (await fetch(stack.url + '/docs/mine', { headers: json })).status,
      401,
      'anonymous never reaches the check',
    );
    assert.deepEqual(
      { ...calls[0], user: calls[0]!.user.id },
      {
        user: session.identity.id,
        namespace: 'Document',
        relation: 'view',
        object: 'doc:/docs/mine',
        method: 'GET',
        path: '/docs/mine',
      },
    );
    assert.equal(calls.length, 3);
  } finally {
    await stack.close();
  }
});

test('with a provisioning store, rules check the synced profile role', async () => {
  const seen: string[] = [];
  const stack = await startGatewayStack({
    rules: [{ path: '/admin/**', mode: 'role', roles: ['admin'] }],
    // A store whose role differs from metadata: proves the profile is the source when given.
    profiles: { ensureUser: async (user) => (seen.push(user.id), { role: 'admin' }) },
  });
  try {
    const { token, session } = stack.kratos.addSession();
    assert.equal((await fetch(stack.url + '/admin/x', { headers: withCookie(token) })).status, 200);
    assert.equal(stack.upstream.seen.at(-1)!.headers['x-user-role'], 'admin');
    assert.deepEqual(seen, [session.identity.id]);
  } finally {
    await stack.close();
  }
});

test('defaultDecision allow forwards unmatched requests as public (no identity)', async () => {
  const stack = await startGatewayStack({ rules: [], defaultDecision: 'allow' });
  try {
    const { token } = stack.kratos.addSession();
    assert.equal(
      (await fetch(stack.url + '/anything', { headers: withCookie(token) })).status,
      200,
    );
    assert.equal(stack.upstream.seen.at(-1)!.headers['x-user-id'], undefined);
  } finally {
    await stack.close();
  }
});

test('trustProxy appends to X-Forwarded-For and keeps the forwarded proto/host; default replaces them', async () => {
  const headers = {
    'x-forwarded-for': '203.0.113.9',
    'x-forwarded-proto': 'https',
    'x-forwarded-host': 'app.example',
  };
  const trusted = await startGatewayStack({
    rules: [{ path: '/**', mode: 'required' }],
    trustProxy: true,
  });
  try {
    const res = await fetch(trusted.url + '/x', {
      headers: { ...headers, accept: 'text/html' },
      redirect: 'manual',
    });
    assert.equal(
      res.headers.get('location'),
      `/login?return_to=${encodeURIComponent('https://app.example/x')}`,
    );
    const { token } = trusted.kratos.addSession();
    await fetch(trusted.url + '/x', { headers: { ...headers, ...withCookie(token) } });
    const seen = trusted.upstream.seen.at(-1)!.headers;
    assert.equal(seen['x-forwarded-for'], '203.0.113.9, 127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'https');
    assert.equal(seen['x-forwarded-host'], 'app.example');
  } finally {
    await trusted.close();
  }
  const untrusted = await startGatewayStack({ rules: [{ path: '/**', mode: 'public' }] });
  try {
    await fetch(untrusted.url + '/x', { headers });
    const seen = untrusted.upstream.seen.at(-1)!.headers;
    assert.equal(seen['x-forwarded-for'], '127.0.0.1');
    assert.equal(seen['x-forwarded-proto'], 'http');
  } finally {
    await untrusted.close();
  }
});

test('per-rule upstream with strip_path; the signature covers the path the upstream receives', async () => {
  const other = await startUpstream();
  const stack = await startGatewayStack({
    rules: [
      {
        path: '/svc/**',
        mode: 'optional',
        upstream: { url: other.url + '/base', stripPath: '/svc' },
      },
    ],
  });
  try {
    const { token } = stack.kratos.addSession();
    assert.equal(
      (await fetch(stack.url + '/svc/items?x=1', { headers: withCookie(token) })).status,
      200,
    );
    const seen = other.seen.at(-1)!;
    assert.equal(seen.url, '/base/items?x=1');
    const { createHeaderVerifier } = await import('../../src/identity-headers/verify.ts');
    const verdict = createHeaderVerifier({ secret: SECRET })(
      new Headers(seen.headers as Record<string, string>),
      { method: 'GET', path: seen.url },
    );
    assert.equal(verdict.state, 'user');
  } finally {
    await stack.close();
    await other.close();
  }
});

test('option validation names the option', () => {
  const base = {
    upstreamURL: 'http://127.0.0.1:1',
    kratosPublicURL: 'http://127.0.0.1:2',
    headerSecret: SECRET,
    rules: [],
  };
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ upstreamURL: 'ftp://x' }, /upstreamURL/],
    [{ kratosPublicURL: undefined }, /kratosPublicURL/],
    [{ headerSecret: 'short' }, /headerSecret/],
    [{ upstreamSecrets: { 'http://blog:3000': 'short' } }, /upstreamSecrets\[http:\/\/blog:3000\]/],
    [{ upstreamSecrets: { 'blog:3000': SECRET } }, /upstreamSecrets key must be an http\(s\) URL/],
    [{ defaultDecision: 'maybe' }, /defaultDecision/],
    [
      {
        rules: [{ path: '/x', mode: 'permission', permission: { namespace: 'n', relation: 'r' } }],
      },
      /checkPermission/,
    ],
    [{ revocation: { secret: 'short' } }, /revocation\.secret/],
    [{ publicURL: 'not a url' }, /publicURL/],
  ];
  for (const [override, message] of cases) {
    assert.throws(() => createGateway({ ...base, ...override } as never), message);
  }
});

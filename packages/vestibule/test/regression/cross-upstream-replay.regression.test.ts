// Cross-upstream replay: the signature does not name its upstream, so with one secret an app could
// replay identity headers it received (an admin lured to /blog/admin/users) at another app. Fixed in
// fcb512e: one header secret per upstream, and a startup warning naming upstreams that share one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SECRET, startGatewayStack, startUpstream, withCookie } from '../support/gateway-stack.ts';

test('each upstream signs with its own secret: headers one upstream received do not verify at another', async () => {
  const blog = await startUpstream();
  const BLOG_SECRET = 'blog-upstream-secret-0123456789abcdef';
  const stack = await startGatewayStack({
    upstreamSecrets: { [blog.url + '/ignored-path']: BLOG_SECRET },
    rules: [
      { path: '/blog/**', mode: 'optional', upstream: { url: blog.url, stripPath: '/blog' } },
      { path: '/admin/**', mode: 'required' },
    ],
  });
  try {
    const { token } = stack.kratos.addSession();
    // The path a malicious blog would lure an admin to: the blog receives a signature for /admin/users.
    await fetch(stack.url + '/blog/admin/users', { headers: withCookie(token) });
    await fetch(stack.url + '/admin/users', { headers: withCookie(token) });
    const { createHeaderVerifier } = await import('../../src/identity-headers/verify.ts');
    const verdict = (secret: string, seen: { url: string; headers: object }) =>
      createHeaderVerifier({ secret })(new Headers(seen.headers as Record<string, string>), {
        method: 'GET',
        path: seen.url,
      }).state;
    const atBlog = blog.seen.at(-1)!;
    const atMain = stack.upstream.seen.at(-1)!;
    assert.equal(atBlog.url, '/admin/users');
    assert.equal(verdict(BLOG_SECRET, atBlog), 'user');
    assert.equal(verdict(SECRET, atBlog), 'invalid', 'replayed to the main app, it must fail');
    assert.equal(verdict(SECRET, atMain), 'user');
    assert.equal(verdict(BLOG_SECRET, atMain), 'invalid');
    assert.ok(!stack.logs.some((l) => JSON.stringify(l).includes('share one header secret')));
  } finally {
    await stack.close();
    await blog.close();
  }
});

test('two upstreams sharing the header secret are named in a startup warning', async () => {
  const stack = await startGatewayStack({
    rules: [{ path: '/blog/**', mode: 'optional', upstream: { url: 'http://blog.internal:3000' } }],
  });
  try {
    const warning = stack.logs
      .map((l) => JSON.stringify(l))
      .find((l) => l.includes('share one header secret'));
    assert.ok(warning, 'expected a warning');
    assert.match(warning, /blog\.internal:3000/);
    assert.match(warning, new RegExp(stack.upstream.url.replace(/[.]/g, '\\.')));
  } finally {
    await stack.close();
  }
});

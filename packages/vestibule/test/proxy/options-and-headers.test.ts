import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createOryProxy, type OryProxyOptions } from '../../src/proxy/index.ts';

import { buildUpstreamHeaders, copyResponseHeaders } from '../../src/proxy/headers.ts';
import { resolvePublicOrigin, trustedForwardedFor } from '../../src/proxy/public-origin.ts';

describe('createOryProxy option validation', () => {
  const base = { kratosPublicURL: 'http://127.0.0.1:4433/' };
  const bad: Array<[string, Partial<Record<keyof OryProxyOptions, unknown>>]> = [
    ['kratosPublicURL', { kratosPublicURL: 'ory-kratos:4433' }],
    ['kratosPublicURL', { kratosPublicURL: 'ftp://kratos/' }],
    ['kratosPublicURL', { kratosPublicURL: 'http://user:pw@kratos/' }],
    ['publicOrigin', { publicOrigin: 'https://app.example.com/sub' }],
    ['prefix', { prefix: 'api/ory' }],
    ['prefix', { prefix: '/api/../admin' }],
    ['kratosBrowserURLs', { kratosBrowserURLs: ['not a url'] }],
    ['inClusterHostPattern', { inClusterHostPattern: /ory-kratos/g }],
    ['inClusterHostPattern', { inClusterHostPattern: 42 }],
    ['cookieDomain', { cookieDomain: 'exa mple.com' }],
    ['timeoutMs', { timeoutMs: 0 }],
    ['timeoutMs', { timeoutMs: 1.5 }],
    ['trustForwardedHeaders', { trustForwardedHeaders: 'yes' }],
    ['fetch', { fetch: 'fetch' }],
    ['onLogout', { onLogout: {} }],
    ['doubleSubmit.windowMs', { doubleSubmit: { windowMs: -1 } }],
  ];
  for (const [option, override] of bad) {
    test(`a bad ${option} is a TypeError naming it`, () => {
      assert.throws(
        () => createOryProxy({ ...base, ...override } as OryProxyOptions),
        (err: unknown) => err instanceof TypeError && err.message.includes(`"${option}"`),
      );
    });
  }

  test('good options are normalised and frozen', async () => {
    const proxy = createOryProxy({
      ...base,
      prefix: '/auth/ory/',
      publicOrigin: 'https://App.Example.com/',
    });
    assert.equal(proxy.options.prefix, '/auth/ory');
    assert.equal(proxy.options.publicOrigin?.origin, 'https://app.example.com');
    assert.ok(Object.isFrozen(proxy.options));
    await proxy.close();
  });
});

describe('header hygiene', () => {
  const view = {
    publicOrigin: new URL('https://app.example.com'),
    requestId: 'req-12345678',
    clientAddress: '10.0.0.7',
  };

  test('an allowlist goes upstream: identity, forwarding and hop-by-hop headers never do', () => {
    const incoming = new Headers({
      cookie: 'a=1; ory_kratos_session=s',
      accept: 'application/json',
      'x-user-id': 'admin',
      'X-User_Id': 'admin',
      forwarded: 'for=6.6.6.6',
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-host': 'evil.example',
      host: 'evil.example',
      te: 'trailers',
      upgrade: 'websocket',
      'accept-encoding': 'gzip, br',
      'x-session-token': 'tok',
    });
    const out = buildUpstreamHeaders(incoming, view);
    assert.deepEqual(Object.fromEntries(out), {
      accept: 'application/json',
      'accept-encoding': 'identity',
      cookie: 'a=1; ory_kratos_session=s',
      'x-forwarded-for': '10.0.0.7',
      'x-forwarded-host': 'app.example.com',
      'x-forwarded-proto': 'https',
      'x-request-id': 'req-12345678',
      'x-session-token': 'tok',
    });
  });

  test('headers named in Connection are hop-by-hop too (RFC 9110 §7.6.1)', () => {
    const out = buildUpstreamHeaders(
      new Headers({
        connection: 'close, Cookie, x-session-token',
        cookie: 'a=1',
        'x-session-token': 't',
      }),
      view,
    );
    assert.equal(out.get('cookie'), null);
    assert.equal(out.get('x-session-token'), null);
    const back = copyResponseHeaders(
      new Headers({
        connection: 'x-internal',
        'x-internal': 'secret',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        'cache-control': 'private',
      }),
    );
    assert.deepEqual(Object.fromEntries(back), { 'cache-control': 'private' });
  });

  test('client X-Forwarded-* are ignored unless trusted; trusted values are sanity-checked', () => {
    const request = new Request('http://edge.internal:4000/api/ory/x', {
      headers: {
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'app.example.com',
        'x-forwarded-for': '1.2.3.4, <script>',
      },
    });
    const url = new URL(request.url);
    assert.equal(
      resolvePublicOrigin(request, url, { trustForwardedHeaders: false }).origin,
      'http://edge.internal:4000',
    );
    assert.equal(
      resolvePublicOrigin(request, url, { trustForwardedHeaders: true }).origin,
      'https://app.example.com',
    );
    assert.equal(trustedForwardedFor(request, false), undefined);
    assert.equal(trustedForwardedFor(request, true), '1.2.3.4');
    const evil = new Request('http://edge.internal:4000/', {
      headers: { 'x-forwarded-host': 'evil.example/path@x' },
    });
    assert.equal(
      resolvePublicOrigin(evil, new URL(evil.url), { trustForwardedHeaders: true }).host,
      'edge.internal:4000',
    );
  });
});

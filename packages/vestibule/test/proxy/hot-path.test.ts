// The shortcuts the proxy takes on every request must never change an answer: the byte pre-check
// that skips decoding bodies without URLs, Go's exact escapes after a rewrite, and the Connection
// fast path.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { rewriteBody } from '../../src/proxy/body.ts';
import { createOryProxy } from '../../src/proxy/handler.ts';
import { buildUpstreamHeaders } from '../../src/proxy/headers.ts';
import { DEFAULT_IN_CLUSTER_HOST } from '../../src/proxy/options.ts';
import { toKratosBase, URLRewriter } from '../../src/proxy/url-rewriter.ts';
import { startStub } from '../support/http-stubs.ts';

const PUBLIC = 'http://localhost:4000';
const rewriter = new URLRewriter({
  bases: [toKratosBase(new URL('https://slug.projects.oryapis:8080/'))],
  inClusterHost: (h) => DEFAULT_IN_CLUSTER_HOST.test(h),
  prefix: '/api/ory',
});
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (body: Uint8Array) => new TextDecoder().decode(body);

describe('body pre-check', () => {
  test('a body without any URL is returned as the very same bytes', () => {
    const body = bytes('{"error":{"code":401,"message":"No valid session credentials found."}}');
    assert.equal(rewriteBody(body, 'json', rewriter, PUBLIC), body);
  });

  test('JSON-escaped slashes still count as a URL and are rewritten', () => {
    const body = bytes(
      '{"ui":{"action":"http:\\/\\/ory-kratos:4433\\/self-service\\/login?flow=1"}}',
    );
    const out = JSON.parse(text(rewriteBody(body, 'json', rewriter, PUBLIC))) as {
      ui: { action: string };
    };
    assert.equal(out.ui.action, 'http://localhost:4000/api/ory/self-service/login?flow=1');
  });

  test('property: skipping is exact — same answer as always decoding', () => {
    const url = fc.constantFrom(
      'http://ory-kratos:4433/self-service/login',
      'https://slug.projects.oryapis:8080/sessions/whoami',
      'https://example.com/x',
      'not a url',
      '',
    );
    fc.assert(
      fc.property(fc.record({ action: url, href: url, message: fc.string() }), (value) => {
        const json = JSON.stringify(value);
        const out = text(rewriteBody(bytes(json), 'json', rewriter, PUBLIC));
        const parsed = JSON.parse(out) as typeof value;
        for (const key of ['action', 'href'] as const) {
          const before = value[key];
          const expected = rewriter.rewrite(before, PUBLIC);
          assert.equal(parsed[key], expected, key);
        }
        assert.equal(parsed.message, value.message);
      }),
    );
  });
});

test("a rewritten body keeps Go's exact HTML-safe escapes", () => {
  const body = bytes(
    '{"ui":{"action":"http://ory-kratos:4433/self-service/login?flow=1"},' +
      '"m":"\\u003cb\\u003e \\u0026 \\u2028\\u2029"}',
  );
  const out = text(rewriteBody(body, 'json', rewriter, PUBLIC));
  assert.ok(out.includes('"m":"\\u003cb\\u003e \\u0026 \\u2028\\u2029"'), out);
});

test('Connection: keep-alive (what Node servers send) and named headers', () => {
  const view = { publicOrigin: new URL(PUBLIC), requestId: 'req-12345678' };
  const keepAlive = buildUpstreamHeaders(
    new Headers({ connection: 'keep-alive', cookie: 'a=1', 'keep-alive': 'timeout=5' }),
    view,
  );
  assert.equal(keepAlive.get('cookie'), 'a=1');
  assert.equal(keepAlive.get('keep-alive'), null);
  const named = buildUpstreamHeaders(
    new Headers({ connection: 'Keep-Alive, Authorization', authorization: 'Bearer t' }),
    view,
  );
  assert.equal(named.get('authorization'), null);
});

test("the caller's request id (info.requestId) goes to Kratos and back instead of the client's", async () => {
  const kratos = await startStub((_req, res) => {
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":{"code":401}}');
  });
  const proxy = createOryProxy({ kratosPublicURL: kratos.url, publicOrigin: PUBLIC });
  try {
    const request = () =>
      new Request(`${PUBLIC}/api/ory/sessions/whoami`, {
        headers: { 'x-request-id': 'client-chosen-id' },
      });
    const given = await proxy(request(), { requestId: 'edge-id-12345678' });
    assert.equal(given.headers.get('x-request-id'), 'edge-id-12345678');
    assert.equal(kratos.seen.at(-1)!.headers['x-request-id'], 'edge-id-12345678');
    // An unusable id is replaced by a fresh one, never by the client's.
    const junk = await proxy(request(), { requestId: 'bad id\r\n' });
    const minted = junk.headers.get('x-request-id')!;
    assert.match(minted, /^[0-9a-f-]{36}$/);
    assert.equal(kratos.seen.at(-1)!.headers['x-request-id'], minted);
    // Without one, the request's own (sane) header is used, as for mounts in other frameworks.
    const own = await proxy(request());
    assert.equal(own.headers.get('x-request-id'), 'client-chosen-id');
  } finally {
    await proxy.close();
    await kratos.close();
  }
});

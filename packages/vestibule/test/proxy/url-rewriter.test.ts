import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { URLRewriter, toKratosBase } from '../../src/proxy/url-rewriter.ts';
import { DEFAULT_IN_CLUSTER_HOST } from '../../src/proxy/options.ts';

const PUBLIC = 'https://app.example.com';

function rewriterFor(bases: string[], prefix = '/api/ory'): URLRewriter {
  return new URLRewriter({
    bases: bases.map((b) => toKratosBase(new URL(b))),
    inClusterHost: (h) => DEFAULT_IN_CLUSTER_HOST.test(h),
    prefix,
  });
}

const rewriter = rewriterFor(['http://127.0.0.1:4433/', 'https://auth.example.com/.ory/kratos/']);

describe('URLRewriter', () => {
  test('dot segments are resolved first: a path that walks out of the base is not Kratos’s', () => {
    assert.equal(
      rewriter.rewrite('https://auth.example.com/.ory/kratos/a/../self-service/login', PUBLIC),
      `${PUBLIC}/api/ory/self-service/login`,
    );
    for (const outside of [
      'https://auth.example.com/.ory/kratos/../admin/identities',
      'https://auth.example.com/.ory/kratos/%2e%2e/admin',
      'https://auth.example.com/.ory/kratos/..',
    ]) {
      assert.equal(rewriter.rewrite(outside, PUBLIC), outside, outside);
    }
  });

  test('maps the configured public URL, the internal URL and in-cluster hosts to the proxy', () => {
    const cases: Array<[string, string]> = [
      [
        'http://127.0.0.1:4433/self-service/login?flow=1',
        `${PUBLIC}/api/ory/self-service/login?flow=1`,
      ],
      ['https://auth.example.com/.ory/kratos/sessions/whoami', `${PUBLIC}/api/ory/sessions/whoami`],
      [
        'http://ory-kratos:4433/self-service/logout?token=x',
        `${PUBLIC}/api/ory/self-service/logout?token=x`,
      ],
      [
        'http://ory-kratos-public.auth.svc.cluster.local:4433/schemas/default',
        `${PUBLIC}/api/ory/schemas/default`,
      ],
      ['http://ory-kratos/#frag', `${PUBLIC}/api/ory/#frag`],
    ];
    for (const [input, expected] of cases) assert.equal(rewriter.rewrite(input, PUBLIC), expected);
  });

  test('leaves other hosts, other schemes, relative URLs and garbage byte for byte', () => {
    for (const value of [
      'https://challenges.cloudflare.com/turnstile/v0/api.js?onload=x',
      'https://auth.example.com/other/path',
      'https://ory-kratos.example.com/self-service/login',
      'javascript:alert(1)',
      '/self-service/login',
      'not a url',
      '',
      'http://127.0.0.1:4434/admin/identities',
    ]) {
      assert.equal(rewriter.rewrite(value, PUBLIC), value);
    }
  });

  test('a relative Location from Kratos is relative to Kratos, so it maps to the proxy', () => {
    const upstream = 'http://127.0.0.1:4433/self-service/login/browser';
    assert.equal(
      rewriter.rewriteLocation('/self-service/login?flow=2', upstream, PUBLIC),
      `${PUBLIC}/api/ory/self-service/login?flow=2`,
    );
    assert.equal(
      rewriter.rewriteLocation('https://app.example.com/login?flow=2', upstream, PUBLIC),
      'https://app.example.com/login?flow=2',
    );
    assert.equal(
      rewriter.rewriteLocation('//evil.example/x', upstream, PUBLIC),
      '//evil.example/x',
    );
  });

  test('request_url built from X-Forwarded-Host (public origin, no prefix) gets the prefix', () => {
    assert.equal(
      rewriter.rewriteRequestURL(`${PUBLIC}/self-service/login/browser?aal=`, PUBLIC),
      `${PUBLIC}/api/ory/self-service/login/browser?aal=`,
    );
    assert.equal(
      rewriter.rewriteRequestURL(`${PUBLIC}/api/ory/self-service/login/browser`, PUBLIC),
      `${PUBLIC}/api/ory/self-service/login/browser`,
    );
  });

  test('idempotent even when Kratos’s base_url is the public origin itself', () => {
    const same = rewriterFor([`${PUBLIC}/`]);
    const once = same.rewrite(`${PUBLIC}/self-service/login`, PUBLIC);
    assert.equal(once, `${PUBLIC}/api/ory/self-service/login`);
    assert.equal(same.rewrite(once, PUBLIC), once);
  });

  test('a proxy mounted at the root maps Kratos URLs to the bare public origin', () => {
    const root = rewriterFor(['http://kratos.internal:4433/'], '');
    assert.equal(
      root.rewrite('http://kratos.internal:4433/sessions/whoami', PUBLIC),
      `${PUBLIC}/sessions/whoami`,
    );
  });
});

const KRATOS_ORIGINS = [
  'http://127.0.0.1:4433',
  'https://auth.example.com/.ory/kratos',
  'http://ory-kratos:4433',
  'http://ory-kratos-public.ns.svc.cluster.local',
  'http://ory-kratos-admin:80',
  'http://kratos:4433',
  'http://kratos-public.auth.svc:4433',
];
const OTHER_ORIGINS = [
  'https://challenges.cloudflare.com',
  'https://auth.example.com',
  'http://127.0.0.1:4434',
  'https://ory-kratos.example.com',
  'https://kratos.example.com',
  'http://mykratos:4433',
  'https://evil.example',
];
// No dot segments (`.`, `..`, also spelt with %2e): the URL parser resolves them, and a `..` can walk
// a URL out of Kratos's base path (`…/.ory/kratos/..` is `…/.ory/`, not Kratos's); dot segments have
// their own example tests.
const isDotSegment = (segment: string) => /^(?:\.|%2e){1,2}$/i.test(segment);
const pathPart = fc
  .stringMatching(/^(\/[A-Za-z0-9._~%-]{0,12}){0,4}$/)
  .filter((path) => !path.split('/').some(isDotSegment));
const query = fc.option(fc.stringMatching(/^\?[A-Za-z0-9=&%._-]{0,20}$/), { nil: '' });
const urlOn = (origins: string[]) =>
  fc.tuple(fc.constantFrom(...origins), pathPart, query).map(([o, p, q]) => `${o}${p || '/'}${q}`);
const publicOrigin = fc.constantFrom(
  PUBLIC,
  'http://localhost:4000',
  'https://app.example.com:8443',
);

describe('URLRewriter properties', () => {
  test('rewriting is idempotent', () => {
    fc.assert(
      fc.property(
        fc.oneof(urlOn(KRATOS_ORIGINS), urlOn(OTHER_ORIGINS)),
        publicOrigin,
        (url, pub) => {
          const once = rewriter.rewrite(url, pub);
          return rewriter.rewrite(once, pub) === once;
        },
      ),
      { numRuns: 500 },
    );
  });

  test('never touches a non-Kratos host', () => {
    fc.assert(
      fc.property(
        urlOn(OTHER_ORIGINS),
        publicOrigin,
        (url, pub) => rewriter.rewrite(url, pub) === url,
      ),
      { numRuns: 500 },
    );
  });

  test('never produces an off-origin URL: every Kratos URL lands on the public origin under the prefix', () => {
    fc.assert(
      fc.property(urlOn(KRATOS_ORIGINS), publicOrigin, (url, pub) => {
        const out = new URL(rewriter.rewrite(url, pub));
        return out.origin === pub && out.pathname.startsWith('/api/ory/');
      }),
      { numRuns: 500 },
    );
  });

  test('Location: whatever Kratos sends, the result is either unchanged or on the public origin', () => {
    const anyLocation = fc.oneof(
      urlOn(KRATOS_ORIGINS),
      urlOn(OTHER_ORIGINS),
      pathPart.map((p) => p || '/'),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(anyLocation, publicOrigin, (loc, pub) => {
        const out = rewriter.rewriteLocation(loc, 'http://127.0.0.1:4433/self-service/x', pub);
        return out === loc || new URL(out).origin === pub;
      }),
      { numRuns: 500 },
    );
  });
});

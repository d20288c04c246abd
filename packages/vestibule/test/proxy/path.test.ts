import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decideProxyPath, normalisePath, parsePrefix } from '../../src/proxy/path.ts';
import { rawPathOf } from '../../src/proxy/path.ts';
import { adminPathVariants } from '../support/admin-path-variants.ts';

const PREFIX = parsePrefix('/api/ory');

function allowedPath(raw: string): string | undefined {
  const d = decideProxyPath(raw, PREFIX);
  return d.allowed ? d.path : undefined;
}

describe('path normaliser and allowlist', () => {
  test('forwards the browser-facing Kratos API under the prefix', () => {
    for (const path of [
      '/self-service/login/browser',
      '/self-service/registration',
      '/self-service/settings/flows',
      '/self-service/logout',
      '/self-service/logout/api',
      '/self-service/errors',
      '/self-service/methods/oidc/callback/google',
      '/sessions/whoami',
      '/sessions',
      '/sessions/3f1c1d7e-8d1b-4b7e-9c1e-2f6a1b0c9d11',
      '/schemas/default',
      '/.well-known/ory/webauthn.js',
      '/health/ready',
    ]) {
      assert.equal(allowedPath('/api/ory' + path), path, path);
    }
  });

  test('refuses admin, unknown, version and out-of-prefix paths', () => {
    for (const raw of [
      '/api/ory/admin/identities',
      '/api/ory/admin/sessions/x',
      '/api/ory/version',
      '/api/ory/metrics/prometheus',
      '/api/ory/',
      '/api/ory',
      '/self-service/login/browser',
      '/api/oryx/self-service/login/browser',
      '/api/ory/self-service/login/browser/extra',
    ]) {
      assert.equal(allowedPath(raw), undefined, raw);
    }
  });

  test('normalises once: the forwarded path is the decided one', () => {
    assert.equal(
      allowedPath('/api/ory/self-service/./login/../login/browser/'),
      '/self-service/login/browser',
    );
    assert.equal(allowedPath('/api/ory//sessions//whoami'), '/sessions/whoami');
    assert.equal(allowedPath('/api/ory/sessions%2Fwhoami'), '/sessions/whoami');
    assert.equal(allowedPath('/api/ory\\sessions\\whoami'), '/sessions/whoami');
  });

  test('is case-sensitive like Kratos: case tricks are refused, not folded', () => {
    assert.equal(allowedPath('/api/ory/Self-Service/login/browser'), undefined);
    assert.equal(allowedPath('/API/ORY/self-service/login/browser'), undefined);
  });

  test('refuses what no Kratos URL contains: overlong UTF-8, NUL, `;`, non-ASCII, climbing out', () => {
    assert.equal(normalisePath('/a/%c0%af/b'), undefined);
    assert.equal(normalisePath('/a/%00'), undefined);
    assert.equal(normalisePath('/sessions;x=1/whoami'), undefined);
    assert.equal(normalisePath('/sessions/who%E2%80%8Bami'), undefined);
    assert.equal(normalisePath('/../etc'), undefined);
    assert.equal(normalisePath('/a/%25252525252F'), undefined, 'nested beyond 3 rounds');
  });

  test('rawPathOf reads the path as sent', () => {
    assert.equal(rawPathOf('http://h:1/api/ory/%2e%2e/x?y=/z#f'), '/api/ory/%2e%2e/x');
    assert.equal(rawPathOf('http://h'), '/');
  });

  test(`${adminPathVariants().length} generated admin-path spellings are all refused`, () => {
    const variants = adminPathVariants();
    assert.ok(variants.length >= 100, `only ${variants.length} variants`);
    for (const raw of variants) assert.equal(allowedPath(raw), undefined, raw);
  });
});

/** Spellings a browser, a proxy or an attacker may use for the same path. */
const encodeSegmentChar = (c: string, level: number): string => {
  let out = c;
  for (let i = 0; i < level; i++) {
    out = out.replace(/[^/]|%/g, (x) => '%' + x.charCodeAt(0).toString(16).padStart(2, '0'));
  }
  return out;
};

const allowedPaths = fc.constantFrom(
  '/self-service/login/browser',
  '/self-service/registration/flows',
  '/sessions/whoami',
  '/schemas/default',
  '/.well-known/ory/webauthn.js',
);
const forbiddenPaths = fc.constantFrom(
  '/admin/identities',
  '/admin/sessions/abc',
  '/version',
  '/admin/recovery/link',
);

/** Re-spells a path: per character percent-encoding (1–2 levels), `\` for `/`, `./` and `x/../` noise. */
const respelled = (path: string) =>
  fc
    .array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.integer({ min: 0, max: 3 })), {
      minLength: path.length,
      maxLength: path.length,
    })
    .map((choices) =>
      [...path]
        .map((c, i) => {
          const [level, backslash, noise] = choices[i]!;
          if (c === '/') {
            const sep = backslash ? '\\' : level > 0 ? encodeSegmentChar('/', level) : '/';
            return noise === 1 ? `${sep}.${sep}` : noise === 2 ? `${sep}zz${sep}..${sep}` : sep;
          }
          return encodeSegmentChar(c, level);
        })
        .join(''),
    );

describe('path decisions agree for equivalent encodings (property)', () => {
  test('a re-spelled public path is either refused or forwarded as the same normalised path', () => {
    fc.assert(
      fc.property(
        allowedPaths.chain((p) => fc.tuple(fc.constant(p), respelled(p))),
        ([path, variant]) => {
          const got = allowedPath('/api/ory' + variant);
          return got === undefined || got === path;
        },
      ),
      { numRuns: 500 },
    );
  });

  test('a re-spelled forbidden path is never forwarded', () => {
    fc.assert(
      fc.property(
        forbiddenPaths.chain((p) => respelled(p)),
        (variant) => allowedPath('/api/ory' + variant) === undefined,
      ),
      { numRuns: 1000 },
    );
  });

  test('single-level encodings of a public path are accepted (the normaliser is not just "deny")', () => {
    fc.assert(
      fc.property(
        allowedPaths.chain((p) =>
          fc.tuple(
            fc.constant(p),
            fc
              .array(fc.boolean(), { minLength: p.length, maxLength: p.length })
              .map((enc) =>
                [...p].map((c, i) => (enc[i] && c !== '/' ? encodeSegmentChar(c, 1) : c)).join(''),
              ),
          ),
        ),
        ([path, variant]) => allowedPath('/api/ory' + variant) === path,
      ),
      { numRuns: 300 },
    );
  });

  test('normalising is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (raw) => {
        const once = normalisePath(raw);
        if (!once) return true;
        const again = normalisePath('/' + once.join('/'));
        return JSON.stringify(again) === JSON.stringify(once);
      }),
      { numRuns: 500 },
    );
  });
});

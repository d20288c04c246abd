import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { compileRules } from '../../src/access/rules.ts';
import { globToRegExp } from '../../src/access/glob.ts';
import { normaliseTarget, normaliseTargetByURL } from '../../src/access/target.ts';
import { ConfigError } from '../../src/lib/errors.ts';

test('globs: * stays in one segment, ** crosses segments, trailing /** covers the bare prefix', () => {
  const star = globToRegExp('/api/*/items');
  assert.ok(star.test('/api/v1/items'));
  assert.ok(!star.test('/api/v1/x/items'));
  const deep = globToRegExp('/static/**');
  assert.ok(deep.test('/static/a/b.css') && deep.test('/static') && deep.test('/static/'));
  assert.ok(!deep.test('/staticfoo'));
  assert.ok(globToRegExp('/a?c').test('/abc') && !globToRegExp('/a?c').test('/a/c'));
  assert.ok(
    globToRegExp('/file.txt').test('/file.txt') && !globToRegExp('/file.txt').test('/fileXtxt'),
  );
});

test('regex rules are anchored and grouped: alternation cannot escape the anchors', () => {
  const rules = compileRules([{ regex: '/a|/b', mode: 'public' }]);
  assert.ok(rules.match('GET', '/a'));
  assert.equal(rules.match('GET', '/b/secret'), undefined);
  assert.equal(rules.match('GET', '/x/a'), undefined);
});

test('first match wins; methods are case-insensitive in config', () => {
  const rules = compileRules([
    { id: 'one', path: '/x/**', methods: ['post'], mode: 'required' },
    { id: 'two', path: '/x/**', mode: 'public' },
    { id: 'three', path: '/x/y', mode: 'role', roles: ['admin'] },
  ]);
  assert.equal(rules.match('POST', '/x/y')?.id, 'one');
  assert.equal(rules.match('GET', '/x/y')?.id, 'two');
  assert.equal(rules.match('GET', '/z'), undefined);
});

test('invalid rules fail at startup naming the rule', () => {
  const bad: unknown[] = [
    { path: '/x', mode: 'maybe' },
    { mode: 'public' },
    { path: '/x', regex: '/x', mode: 'public' },
    { path: '/x', mode: 'role' },
    { path: '/x', mode: 'permission' },
    { regex: '(', mode: 'public' },
    { path: 'no-slash', mode: 'public' },
    { path: '/x', mode: 'public', upstream: { url: 'not a url' } },
  ];
  for (const [i, rule] of bad.entries()) {
    assert.throws(
      () => compileRules([{ path: '/ok', mode: 'public' }, rule as never]),
      (err: unknown) => err instanceof ConfigError && err.message.includes('gateway.rules[1]'),
      `case ${i}`,
    );
  }
});

test('normaliseTarget: dot segments, unreserved decoding, refusals', () => {
  assert.deepEqual(normaliseTarget('/a/./b/../c?x=1'), { path: '/a/c', target: '/a/c?x=1' });
  assert.equal(normaliseTarget('/%7Euser/%41')?.path, '/~user/A');
  assert.equal(normaliseTarget('/a%20b')?.path, '/a%20b');
  for (const bad of ['/a%2fb', '/a%5Cb', '/a\\b', '/a%00', 'http://evil/x', '*', '', undefined]) {
    assert.equal(normaliseTarget(bad), null, String(bad));
  }
  // In the query, encoded slashes are data (`?next=%2Fhome`), not path separators.
  assert.deepEqual(normaliseTarget('/search?next=%2Fhome%5C'), {
    path: '/search',
    target: '/search?next=%2Fhome%5C',
  });
  assert.equal(normaliseTarget('/a?x=%00'), null);
});

test('normaliseTarget fast path agrees with WHATWG URL normalisation on every input (property)', () => {
  const pieces = [
    'a',
    'Z',
    '/',
    '.',
    '..',
    '%',
    '2',
    'e',
    'E',
    'f',
    'F',
    '0',
    '5',
    'c',
    '%2e',
    '%2F',
    '%41',
    '%7e',
    '?',
    '#',
    "'",
    ' ',
    '\\',
    ':',
    '@',
    '~',
    '^',
    '|',
    '`',
    '{',
    '"',
    '<',
    '\u00e9',
    '\t',
    '=',
    '&',
    '+',
    '!',
    '*',
    '(',
    ';',
    ',',
  ];
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 16 }), (parts) => {
      const raw = '/' + parts.join('');
      assert.deepEqual(normaliseTarget(raw), normaliseTargetByURL(raw), JSON.stringify(raw));
    }),
    { numRuns: 20_000 },
  );
});

test('normaliseTarget is idempotent and never yields a dot segment (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom('a', '.', '..', '%2e', '%2E%2e', '%61', 'b%20', ''), {
        maxLength: 8,
      }),
      (segments) => {
        const result = normaliseTarget('/' + segments.join('/'));
        if (!result) return;
        assert.deepEqual(normaliseTarget(result.target), result);
        assert.ok(!result.path.split('/').some((s) => s === '.' || s === '..'));
      },
    ),
  );
});

test('rule bypass via servlet path parameters and double slashes: /public/..;/admin and //admin', () => {
  const rules = compileRules([
    { path: '/admin/**', mode: 'role', roles: ['admin'] },
    { path: '/**', mode: 'public' },
  ]);
  // Tomcat/Jetty/Spring read `..;` as `..`: these would match the public rule yet reach /admin.
  for (const bad of [
    '/public/..;/admin',
    '/public/..;x/admin/users',
    '/.;/admin',
    '/a/%2e%2e;/admin',
  ]) {
    assert.equal(normaliseTarget(bad), null, bad);
  }
  // nginx and Spring merge slashes: the merged path is what is matched and forwarded.
  for (const raw of ['//admin/users', '/admin//users', '///admin', '/x/..//admin']) {
    const target = normaliseTarget(raw);
    assert.ok(target && !target.path.includes('//'), `${raw} → ${target?.path}`);
    assert.equal(rules.match('GET', target.path)?.mode, 'role', raw);
  }
  assert.deepEqual(normaliseTarget('//a//b?next=//x'), { path: '/a/b', target: '/a/b?next=//x' });
  // A `;` that is not on a dot segment is left alone (matrix parameters, jsessionid).
  assert.equal(normaliseTarget('/a;jsessionid=1/b')?.path, '/a;jsessionid=1/b');
});

test('rule bypass via case and ;params: /ADMIN/users and /admin;x/users would miss /admin/** yet reach it upstream', () => {
  const rules = compileRules([
    { path: '/admin/**', mode: 'role', roles: ['admin'] },
    { path: '/API/**', mode: 'required' },
    { path: '/account', mode: 'required' },
    { path: '/**', mode: 'public' },
  ]);
  const ambiguous = (path: string) => rules.ambiguous('GET', path, rules.match('GET', path));
  // Express (case-insensitive by default) and servlet containers (`;` parameters dropped) serve these as /admin/users.
  for (const path of [
    '/ADMIN/users',
    '/Admin',
    '/admin;x/users',
    '/admin;jsessionid=1',
    '/api/x',
    '/ApI;v=1/x',
    '/account/', // non-strict routers (Express's default) serve it as /account
    '/account;x',
  ]) {
    assert.equal(ambiguous(path), true, path);
  }
  // Paths every reading routes to the same rule pass, mixed case and parameters included.
  for (const path of [
    '/admin/users',
    '/API/x',
    '/Docs/Intro',
    '/docs;v=2/a',
    '/',
    '/account',
    '/docs/',
  ]) {
    assert.equal(ambiguous(path), false, path);
  }
});

test('rule bypass via a missing trailing slash: a regex rule for /admin/ must also decide /admin', () => {
  const rules = compileRules([
    { regex: '/admin/', mode: 'role', roles: ['admin'] },
    { regex: '/reports/[0-9]+/', mode: 'required' },
    { path: '/**', mode: 'public' },
  ]);
  const ambiguous = (path: string) => rules.ambiguous('GET', path, rules.match('GET', path));
  // Non-strict routers serve /admin from the /admin/ handler: the public rule must not decide it.
  assert.equal(ambiguous('/admin'), true);
  assert.equal(ambiguous('/reports/7'), true);
  assert.equal(ambiguous('/admin/'), false);
  assert.equal(ambiguous('/reports/7/'), false);
  assert.equal(ambiguous('/reports/x'), false);
});

test('rule bypass via HEAD: HEAD is decided by the GET rule (upstreams answer HEAD with the GET handler)', () => {
  const rules = compileRules([
    { path: '/admin', methods: ['GET'], mode: 'role', roles: ['admin'] },
    { path: '/both', methods: ['GET', 'HEAD'], mode: 'required' },
    { path: '/peek', methods: ['HEAD'], mode: 'public' },
    { path: '/peek', methods: ['GET'], mode: 'required' },
    { path: '/**', mode: 'public' },
  ]);
  assert.equal(rules.match('HEAD', '/admin')?.mode, 'role', 'HEAD /admin is as protected as GET');
  assert.equal(rules.match('HEAD', '/both')?.mode, 'required');
  const ambiguous = (method: string, path: string) =>
    rules.ambiguous(method, path, rules.match(method, path));
  assert.equal(ambiguous('HEAD', '/admin'), false);
  assert.equal(ambiguous('HEAD', '/both'), false);
  assert.equal(ambiguous('HEAD', '/other'), false);
  assert.equal(ambiguous('HEAD', '/peek'), true, 'a HEAD-only public rule before a GET rule');
  assert.equal(ambiguous('GET', '/admin'), false);
  assert.equal(ambiguous('POST', '/admin'), false);
  assert.equal(rules.match('POST', '/admin')?.mode, 'public', 'methods still restrict other verbs');
});

test('rule headers are signed by name, so names must be plain tokens, unique and not the edge’s own', () => {
  const rule = (headers: Record<string, string>) => () =>
    compileRules([{ path: '/x', mode: 'required', headers }]);
  assert.deepEqual(
    compileRules([{ path: '/x', mode: 'required', headers: { 'X-Org': '{{ .Subject }}' } }])
      .rules[0]!.headerTemplates,
    [['x-org', '{{ .Subject }}']],
  );
  const invalid: Array<Record<string, string>> = [
    { 'x org': 'a' },
    { 'x-org,x-team': 'a' },
    { 'X-User-Id': '{{ .Subject }}' },
    { 'x-vestibule-signature': 'a' },
    { 'X-Org': 'a', 'x-org': 'b' },
    { 'x-org': '{{ .MatchContext.URL }}' },
  ];
  for (const bad of invalid) {
    assert.throws(rule(bad), ConfigError, JSON.stringify(bad));
  }
});

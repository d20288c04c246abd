// Imported Oathkeeper rules matched more than Oathkeeper would: glob <*> crossed '.', so an anonymous
// files/<*> rule served files/<*>.pdf; [!_] was inverted; rules for other hosts merged into one
// path-only catch-all. Fixed in f0662fa (gobwas/regexp2 semantics, host checks, import errors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importOathkeeperRules } from '../../src/oathkeeper/import.ts';
import { compileRules } from '../../src/access/rules.ts';
import { ConfigError } from '../../src/lib/errors.ts';

interface TestRule {
  id: string;
  url: string;
  authenticators?: Array<{ handler: string }>;
}
/** Import GET rules (noop unless said otherwise) for the public origin http://h, and compile them. */
function importFor(strategy: 'glob' | 'regexp', rules: TestRule[], publicURL = 'http://h') {
  const imported = importOathkeeperRules(
    rules.map(({ id, url, authenticators }) => ({
      id,
      match: { url, methods: ['GET'] },
      authenticators: authenticators ?? [{ handler: 'noop' }],
    })),
    { matchingStrategy: strategy, publicURL },
  );
  return { ...imported, set: compileRules(imported.rules) };
}

// Oathkeeper compiles glob match URLs with gobwas/glob and the separators '.' and '/'
// (rule/engine_glob.go), so `*` and `?` stop at a dot as well as at a slash.
test('glob matching strategy follows gobwas: * and ? stop at "." and "/", ** does not', () => {
  const { set } = importFor('glob', [
    { id: 'g1', url: 'http://h/static/<*>' },
    { id: 'g2', url: 'http://h/<{docs,blog}>/<**>' },
    { id: 'g3', url: 'http://h/x/<?>' },
  ]);
  assert.equal(set.match('GET', '/static/a.css'), undefined); // Oathkeeper: no match either
  assert.equal(set.match('GET', '/static/a')?.id, 'g1');
  assert.equal(set.match('GET', '/static/a/b.css'), undefined);
  assert.equal(set.match('GET', '/blog/2024/post.html')?.id, 'g2');
  assert.equal(set.match('GET', '/news/x'), undefined);
  assert.equal(set.match('GET', '/x/a')?.id, 'g3');
  assert.equal(set.match('GET', '/x/.'), undefined);
});

// The review's case: valid, non-overlapping in Oathkeeper; imported, <*> swallowed ".pdf" and the
// anonymous rule served the private file.
test('glob <*> does not cross "." (an anonymous files/<*> rule no longer shadows files/<*>.pdf)', () => {
  const { set } = importFor('glob', [
    { id: 'files-index', url: 'http://h/files/<*>' },
    {
      id: 'files-private',
      url: 'http://h/files/<*>.pdf',
      authenticators: [{ handler: 'cookie_session' }],
    },
  ]);
  assert.equal(set.match('GET', '/files/secret.pdf')?.id, 'files-private');
  assert.equal(set.match('GET', '/files/readme')?.id, 'files-index');
});

// gobwas: `[!x]` is a negated class, `^` is an ordinary member, one list or one range per brackets,
// and classes match any character, separators included.
test('glob classes follow gobwas: [!_] negates, [^_] does not, [a-c] ranges', () => {
  const { set } = importFor('glob', [
    { id: 'not-underscore', url: 'http://h/<[!_]*>' },
    { id: 'caret-or-underscore', url: 'http://h/y/<[^_]>' },
    { id: 'range', url: 'http://h/r/<[a-c]>' },
    { id: 'not-range', url: 'http://h/n/<[!a-c]>' },
  ]);
  assert.equal(set.match('GET', '/_internal'), undefined);
  assert.equal(set.match('GET', '/home')?.id, 'not-underscore');
  assert.equal(set.match('GET', '/y/^')?.id, 'caret-or-underscore');
  assert.equal(set.match('GET', '/y/_')?.id, 'caret-or-underscore');
  assert.equal(set.match('GET', '/y/a'), undefined);
  assert.equal(set.match('GET', '/r/b')?.id, 'range');
  assert.equal(set.match('GET', '/r/d'), undefined);
  assert.equal(set.match('GET', '/n/.')?.id, 'not-range');
  assert.equal(set.match('GET', '/n/a'), undefined);
});

test('glob syntax gobwas rejects, or matches inconsistently, is an import error naming the rule', () => {
  for (const glob of [
    '<[a-z0-9]>', // gobwas: one range per brackets
    '<[]>',
    '<[a-z>',
    '<{a,b>', // gobwas closes it silently
    '<{a*,b}>', // gobwas v0.2.3 mismatches wildcard alternatives ({ab*,c} misses "ab")
    '<{,x}>',
    '<a***>', // gobwas: "a***" does not match "a"
    'caf\u00e9/<*>', // gobwas measures some parts in bytes: misses multi-byte matches
    '<a\\>',
  ]) {
    const rule = { id: 'g', url: `http://h/${glob}` };
    assert.throws(
      () => importFor('glob', [rule]),
      (err: unknown) => err instanceof ConfigError && err.message.includes('(g).match.url'),
      glob,
    );
  }
});

// Oathkeeper matches the decoded path (Go's url.URL.Path); the edge matches its normalised path, in
// which %20, %3B… stay encoded. One decoded character must not count as three, nor a pattern
// match inside an escape.
test('patterns match the decoded character behind a percent-escape, never its three characters', () => {
  const glob = importFor('glob', [
    { id: 'three', url: 'http://h/g/<???>' },
    { id: 'zero', url: 'http://h/z/<*>0' },
    { id: 'one', url: 'http://h/o/<?>' },
  ]).set;
  assert.equal(glob.match('GET', '/g/%20'), undefined);
  assert.equal(glob.match('GET', '/z/a%20'), undefined);
  assert.equal(glob.match('GET', '/o/%20')?.id, 'one');
  const regexp = importFor('regexp', [
    { id: 'no-semicolon', url: 'http://h/s/<[^;]*>' },
    { id: 'three', url: 'http://h/t/<.{3}>' },
    { id: 'literal-percent', url: 'http://h/p/100%' },
    { id: 'any', url: 'http://h/<.*>' },
  ]).set;
  assert.equal(regexp.match('GET', '/s/a%3Bb')?.id, 'any');
  assert.equal(regexp.match('GET', '/s/a%20b')?.id, 'no-semicolon');
  assert.equal(regexp.match('GET', '/t/%20')?.id, 'any');
  assert.equal(regexp.match('GET', '/t/a%20b')?.id, 'three');
  assert.equal(regexp.match('GET', '/p/100%25')?.id, 'literal-percent');
  assert.equal(regexp.match('GET', '/p/100%'), undefined); // Go cannot decode it: Oathkeeper says 400
  assert.equal(regexp.match('GET', '/caf%C3%A9')?.id, 'any');
});

test("regexp constructs whose meaning differs from Oathkeeper's regexp2 are an import error", () => {
  for (const inner of [
    '^admin',
    'x$',
    '\\badmin',
    '\\p{L}+',
    '(?i)admin',
    '(?=a)a',
    '(a)\\1',
    '[[:alpha:]]',
    '[a-z-[aeiou]]',
    '\\Aadmin',
  ]) {
    const rule = { id: 'r', url: `http://h/<${inner}>` };
    assert.throws(
      () => importFor('regexp', [rule]),
      (err: unknown) => err instanceof ConfigError && err.message.includes('(r).match.url'),
      inner,
    );
  }
});

/** Whether a one-rule file imports for this public URL (a file of only other hosts is an error). */
function imports(strategy: 'glob' | 'regexp', url: string, publicURL: string): boolean {
  try {
    return importFor(strategy, [{ id: 'h', url }], publicURL).rules.length === 1;
  } catch (err) {
    if (err instanceof ConfigError && err.message.includes('no rule matches')) return false;
    throw err;
  }
}

// Oathkeeper matches `scheme://Host` + path against the whole pattern (rule/rule.go IsMatching,
// proxy.EnrichRequestedURL); the edge serves one origin. The review's case: a public www rule and a
// private app rule became one catch-all, and the public one came first.
test('with the public URL, rules for other hosts are skipped with a warning naming them', () => {
  const { rules, warnings, set } = importFor(
    'regexp',
    [
      { id: 'www-public', url: 'https://www.example.com/<.*>' },
      {
        id: 'app-private',
        url: 'https://app.example.com/<.*>',
        authenticators: [{ handler: 'cookie_session' }],
      },
    ],
    'https://app.example.com/',
  );
  assert.deepEqual(
    rules.map((r) => r.id),
    ['app-private'],
  );
  assert.equal(set.match('GET', '/billing')?.mode, 'required');
  assert.ok(warnings.some((w) => w.includes('(www-public)') && w.includes('not imported')));
  assert.throws(
    () =>
      importFor(
        'regexp',
        [{ id: 'www', url: 'https://www.example.com/<.*>' }],
        'https://app.example.com',
      ),
    /no rule matches the public origin https:\/\/app\.example\.com/,
  );
});

// ladon's CompileRegex: `^` + QuoteMeta(literal) + `(inner)` … `$`, so literal dots are dots and a
// host pattern cannot match a longer host; gobwas's `*` stops at '.'.
test('host patterns are anchored and matched like Oathkeeper: scheme, port and dots count', () => {
  const cases: Array<['glob' | 'regexp', string, string, boolean]> = [
    ['regexp', 'https://app.example.com/<.*>', 'https://app.example.com', true],
    ['regexp', 'https://app.example.com/<.*>', 'https://appxexample.com', false],
    ['regexp', 'https://app.example.com/<.*>', 'https://app.example.com:8443', false],
    ['regexp', 'https://app.example.com:8443/<.*>', 'https://app.example.com:8443', true],
    ['regexp', 'http://app.example.com/<.*>', 'https://app.example.com', false],
    ['regexp', 'https://<[a-z]+>.example.com/<.*>', 'https://app.example.com', true],
    ['regexp', 'https://<[a-z]+>.example.com/<.*>', 'https://app.example.com.evil.net', false],
    ['regexp', 'https://<[a-z]+>.example.com/<.*>', 'https://evil.app.example.com', false],
    ['regexp', '<https?>://<[^/]+>/<.*>', 'http://localhost:4000', true],
    ['glob', 'https://<*>.example.com/<**>', 'https://app.example.com', true],
    ['glob', 'https://<*>.example.com/<**>', 'https://a.b.example.com', false],
    ['glob', 'https://<**>.example.com/<**>', 'https://a.b.example.com', true],
    ['glob', 'https://app.example.com/<**>', 'https://app.example.com.evil.net', false],
  ];
  for (const [strategy, url, publicURL, expected] of cases) {
    assert.equal(imports(strategy, url, publicURL), expected, `${strategy} ${url} @ ${publicURL}`);
  }
});

test('without the public URL, rules naming different hosts are imported with a warning', () => {
  const { rules, warnings } = importOathkeeperRules([
    {
      id: 'www',
      match: { url: 'https://www.example.com/<.*>', methods: ['GET'] },
      authenticators: [{ handler: 'noop' }],
    },
    {
      id: 'app',
      match: { url: 'https://app.example.com/<.*>', methods: ['GET'] },
      authenticators: [{ handler: 'cookie_session' }],
    },
  ]);
  assert.equal(rules.length, 2);
  assert.ok(
    warnings.some(
      (w) =>
        w.includes('different hosts') &&
        w.includes('https://www.example.com') &&
        w.includes('https://app.example.com'),
    ),
  );
  const same = importOathkeeperRules([
    {
      id: 'a',
      match: { url: 'https://app.example.com/a', methods: ['GET'] },
      authenticators: [{ handler: 'noop' }],
    },
    {
      id: 'b',
      match: { url: 'https://app.example.com/b', methods: ['GET'] },
      authenticators: [{ handler: 'noop' }],
    },
  ]);
  assert.deepEqual(same.warnings, []);
});

// Oathkeeper matches the method against match.methods only (rule.go stringInSlice): a rule without
// methods matches nothing. Imported as "all methods", it matched everything.
test('rules Oathkeeper can never match are skipped with a warning: no methods, no host, no path', () => {
  const noop = [{ handler: 'noop' }];
  const { rules, warnings } = importOathkeeperRules(
    [
      { id: 'no-methods', match: { url: 'http://h/<.*>' }, authenticators: noop },
      { id: 'path-only', match: { url: '/admin/<.*>', methods: ['GET'] }, authenticators: noop },
      { id: 'no-path', match: { url: 'http://h', methods: ['GET'] }, authenticators: noop },
      { id: 'kept', match: { url: 'http://h/x', methods: ['GET'] }, authenticators: noop },
    ],
    { publicURL: 'http://h' },
  );
  assert.deepEqual(
    rules.map((r) => r.id),
    ['kept'],
  );
  for (const id of ['no-methods', 'path-only', 'no-path']) {
    assert.ok(
      warnings.some((w) => w.includes(`(${id}): not imported`)),
      id,
    );
  }
  assert.throws(
    () => importFor('regexp', [{ id: 'x', url: 'http://<.*>' }]),
    (err: unknown) => err instanceof ConfigError && err.message.includes('(x).match.url'),
  );
});

// Kratos's JSON bytes altered by the proxy's URL rewrite: a parse/stringify round trip turned
// 12345678901234567890 into 12345678901234567000, 1.10 into 1.1, -0 into 0 and 1e400 into null in
// traits and node values. Fixed in bc6c4cd: only the rewritten URL strings change.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { rewriteJSONBody } from '../../src/proxy/json-body.ts';
import { URLRewriter, toKratosBase } from '../../src/proxy/url-rewriter.ts';
import { DEFAULT_IN_CLUSTER_HOST } from '../../src/proxy/options.ts';

const PUBLIC = 'http://localhost:4000';
const KRATOS = 'http://ory-kratos:4433';
const rewriter = new URLRewriter({
  bases: [toKratosBase(new URL('https://slug.projects.oryapis:8080/'))],
  inClusterHost: (h) => DEFAULT_IN_CLUSTER_HOST.test(h),
  prefix: '/api/ory',
});

function rewrite(text: string): string {
  return rewriteJSONBody(text, rewriter, PUBLIC).text;
}

/** Go's encoding/json escaping of HTML-sensitive characters, as Kratos sends strings. */
function goStyle(json: string): string {
  const escapes: Record<string, string> = {
    '<': '\\u003c',
    '>': '\\u003e',
    '&': '\\u0026',
    '\u2028': '\\u2028',
    '\u2029': '\\u2029',
  };
  return json.replace(/[<>&\u2028\u2029]/g, (c) => escapes[c]!);
}

/** The previous implementation (parse, rewrite in place, stringify): the oracle for which strings change. */
function parseStringifyRewrite(text: string): { text: string; changed: boolean } {
  if (!rewriter.mayMention(text, PUBLIC)) return { text, changed: false };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { text, changed: false };
  }
  const urlKeys = new Set([
    'action',
    'href',
    'src',
    'logout_url',
    'redirect_browser_to',
    'return_to',
    'url',
  ]);
  const opaque = new Set([
    'traits',
    'metadata_public',
    'metadata_admin',
    'transient_payload',
    'context',
    'value',
  ]);
  let changed = false;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (opaque.has(key)) continue;
      const value = record[key];
      if (typeof value !== 'string') {
        walk(value);
        continue;
      }
      const next =
        key === 'request_url'
          ? rewriter.rewriteRequestURL(value, PUBLIC)
          : urlKeys.has(key)
            ? rewriter.rewrite(value, PUBLIC)
            : value;
      if (next !== value) {
        record[key] = next;
        changed = true;
      }
    }
  };
  walk(parsed);
  return changed ? { text: goStyle(JSON.stringify(parsed)), changed } : { text, changed };
}

describe('JSON body rewriter keeps every byte it does not rewrite', () => {
  test('big integers, 1.10, -0 and 1e400 in traits and ui.nodes values reach the browser as Kratos wrote them', () => {
    const action = `"${KRATOS}/self-service/settings?flow=f1"`;
    const body = (a: string): string =>
      `{"id":"f1","ui":{"action":${a},"method":"POST","nodes":[{"type":"input","group":"profile",` +
      `"attributes":{"name":"traits.customer_no","type":"number","value":12345678901234567890}},` +
      `{"type":"input","attributes":{"name":"traits.ratio","value":[1.10,-0,1e400,-1E-400]}}]},` +
      `"identity":{"traits":{"customer_no":12345678901234567890,"ratio":1.10,"exp":1e400,"neg0":-0,` +
      `"deep":{"list":[-9007199254740993,0.10000000000000000555]}},` +
      `"metadata_public":{"n":100000000000000000000000000000001}}}`;
    const out = rewriteJSONBody(body(action), rewriter, PUBLIC);
    assert.ok(out.changed);
    assert.equal(out.text, body(`"${PUBLIC}/api/ory/self-service/settings?flow=f1"`));
  });

  test('whitespace, escapes in untouched strings and the same URL under user data keep their bytes', () => {
    const url = `${KRATOS}/self-service/login?flow=1`;
    const body = (a: string): string =>
      `{\n  "ui": {\n    "action" :\t${a},\n    "messages": [ {"text": "Jos\\u00e9 \\/ \\u003cb\\u003e"} ]\n  },\n` +
      `  "identity": { "traits": { "website": "${url}", "aliases": ["${url}"] } },\n` +
      `  "list": [ "${url}" ],\n  "n": 1.0E+2\r\n}\n`;
    assert.equal(rewrite(body(`"${url}"`)), body(`"${PUBLIC}/api/ory/self-service/login?flow=1"`));
  });

  test('escaped and duplicated keys are rewritten as JSON.parse reads them; an escaped URL is rewritten', () => {
    const text = `{"ui":{"\\u0061ction":"${KRATOS}/a","action":"http:\\/\\/ory-kratos:4433\\/b"},"x":-0}`;
    assert.equal(
      rewrite(text),
      `{"ui":{"\\u0061ction":"${PUBLIC}/api/ory/a","action":"${PUBLIC}/api/ory/b"},"x":-0}`,
    );
  });

  test('quotes and backslashes inside strings do not end them early', () => {
    const body = (a: string): string =>
      `{"m":"say \\"hi\\" \\\\","ui":{"action":${a}},"v":"\\\\\\"","n":1.10}`;
    assert.equal(
      rewrite(body(`"${KRATOS}/q?x=\\"y\\\\"`)),
      body(`"${PUBLIC}/api/ory/q?x=%22y\\\\"`),
    );
  });

  test('deep nesting neither overflows the stack nor skips the URL', () => {
    const depth = 100_000;
    const body = (a: string): string =>
      `${'['.repeat(depth)}{"action":"${a}","n":1.10}${']'.repeat(depth)}`;
    assert.equal(rewrite(body(`${KRATOS}/x`)), body(`${PUBLIC}/api/ory/x`));
  });

  test('not JSON passes through untouched', () => {
    for (const text of [
      `{"action":"${KRATOS}/x"`,
      `{"action":"${KRATOS}/x"} x`,
      `["${KRATOS}/x",]`,
    ]) {
      assert.deepEqual(rewriteJSONBody(text, rewriter, PUBLIC), { text, changed: false });
    }
  });
});

describe('JSON body rewriter properties against the parse/stringify rewrite', () => {
  const kratosURL = fc
    .tuple(
      fc.constantFrom(KRATOS, 'https://slug.projects.oryapis:8080', 'http://kratos.ory.svc:4433'),
      fc.stringMatching(/^(\/[a-z<>&-]{1,8}){1,3}(\?[a-z=&]{0,8})?$/),
    )
    .map(([o, p]) => o + p);
  const otherURL = fc.constantFrom(
    'https://example.com/x?a=1&b=2',
    'https://challenges.cloudflare.com/t',
  );
  const publicURL = fc.constantFrom(`${PUBLIC}/self-service/login/browser`, `${PUBLIC}/api/ory/x`);
  const indent = fc.constantFrom(undefined, 2, '\t');

  // Raw number literals a JSON.parse/JSON.stringify round trip would change, placed at random leaves
  // through a marker string (no generated string contains U+0001).
  const LITERALS = [
    '12345678901234567890',
    '-9007199254740993',
    '1.10',
    '-0',
    '1e400',
    '-1E-400',
    '1E+2',
  ];
  const number = fc.nat({ max: LITERALS.length - 1 }).map((i) => `\u0001n${i}`);
  const fill = (json: string): string =>
    json.replace(/"\\u0001n(\d)"/g, (_, i: string) => LITERALS[Number(i)]!);

  const flow = fc.record({
    id: fc.uuid(),
    ui: fc.record({
      action: fc.oneof(kratosURL, otherURL),
      nodes: fc.array(
        fc.record({
          type: fc.constantFrom('input', 'a', 'img'),
          attributes: fc.record({
            name: fc.string(),
            value: fc.oneof(number, kratosURL),
            href: fc.oneof(kratosURL, otherURL),
            count: number,
          }),
        }),
        { maxLength: 4 },
      ),
    }),
    return_to: fc.oneof(kratosURL, otherURL),
    request_url: publicURL,
    continue_with: fc.array(fc.record({ flow: fc.record({ url: kratosURL, n: number }) }), {
      maxLength: 2,
    }),
    identity: fc.record({
      traits: fc.dictionary(
        fc.stringMatching(/^[a-z_]{1,8}$/),
        fc.oneof(number, kratosURL, fc.array(number, { maxLength: 3 })),
      ),
      metadata_public: fc.oneof(number, fc.constant(null)),
    }),
  });

  test('a Kratos-style body: output equals the old rewrite’s, with Kratos’s number bytes and layout', () => {
    fc.assert(
      fc.property(flow, indent, (input, space) => {
        const withMarkers = goStyle(JSON.stringify(input, null, space));
        const old = parseStringifyRewrite(withMarkers);
        const expected = fill(goStyle(JSON.stringify(JSON.parse(old.text), null, space)));
        const out = rewriteJSONBody(fill(withMarkers), rewriter, PUBLIC);
        assert.equal(out.changed, old.changed);
        assert.equal(out.text, expected);
      }),
      { numRuns: 300 },
    );
  });

  const key = fc.oneof(
    fc.constantFrom(
      'action',
      'href',
      'src',
      'url',
      'return_to',
      'logout_url',
      'redirect_browser_to',
    ),
    fc.constantFrom('request_url', 'traits', 'value', 'context', 'metadata_public', 'onclick'),
    fc.constantFrom('ui', 'nodes', 'attributes', '__proto__'),
    fc.string({ unit: 'binary', maxLength: 6 }),
  );
  const leaf = fc.oneof(
    kratosURL,
    otherURL,
    publicURL,
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.constantFrom('"', '\\', '/', 'u', '<', '\u2028', '\u0001') }),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
  );
  const { value } = fc.letrec<{
    value: unknown;
    array: unknown[];
    object: Record<string, unknown>;
  }>((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 4 }),
    object: fc
      .array(fc.tuple(key, tie('value')), { maxLength: 5 })
      .map((entries) => Object.fromEntries(entries)),
  }));

  test('random JSON with safe numbers re-parses to the old rewrite’s value; idempotent', () => {
    fc.assert(
      fc.property(value, indent, fc.boolean(), (input, space, escapeSlashes) => {
        let text = JSON.stringify(input, null, space);
        if (escapeSlashes) text = text.replaceAll('/', '\\/'); // `/` only occurs inside strings
        const old = parseStringifyRewrite(text);
        const out = rewriteJSONBody(text, rewriter, PUBLIC);
        assert.equal(out.changed, old.changed);
        assert.deepStrictEqual(JSON.parse(out.text), JSON.parse(old.text));
        assert.equal(rewrite(out.text), out.text);
      }),
      { numRuns: 500 },
    );
  });
});

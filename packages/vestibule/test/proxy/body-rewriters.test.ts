import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { rewriteJSONBody } from '../../src/proxy/json-body.ts';
import { rewriteHTMLBody } from '../../src/proxy/html-body.ts';
import { URLRewriter, toKratosBase } from '../../src/proxy/url-rewriter.ts';
import { DEFAULT_IN_CLUSTER_HOST } from '../../src/proxy/options.ts';
import { sharedOryPath } from '../../../../test/support/shared.ts';

const PUBLIC = 'http://localhost:4000';
const KRATOS = 'http://ory-kratos:4433';
const rewriter = new URLRewriter({
  bases: [toKratosBase(new URL('https://slug.projects.oryapis:8080/'))],
  inClusterHost: (h) => DEFAULT_IN_CLUSTER_HOST.test(h),
  prefix: '/api/ory',
});

interface Flowish {
  logout_url: string;
  redirect_browser_to: string;
  return_to: string;
  continue_with: Array<{ flow: { url: string } }>;
  error: { message: string };
  ui: { action: string; nodes: Array<{ attributes: Record<string, string> }> };
  identity: { traits: { website: string } };
}

function json(value: unknown): unknown {
  return JSON.parse(rewriteJSONBody(JSON.stringify(value), rewriter, PUBLIC).text);
}

describe('JSON body rewriter', () => {
  test('rewrites the URL fields Kratos fills, and only those', () => {
    const out = json({
      logout_url: `${KRATOS}/self-service/logout?token=t`,
      redirect_browser_to: `${KRATOS}/self-service/login/browser?aal=aal2`,
      return_to: `${KRATOS}/sessions/whoami`,
      continue_with: [
        {
          action: 'show_verification_ui',
          flow: { id: 'v', url: `${KRATOS}/self-service/verification?flow=v` },
        },
      ],
      error: { id: 'browser_location_change_required', message: `see ${KRATOS}/x` },
      ui: {
        action: `${KRATOS}/self-service/login?flow=1`,
        nodes: [
          { type: 'img', attributes: { src: `${KRATOS}/qr.png` } },
          {
            type: 'input',
            attributes: {
              onclick: `go("${KRATOS}/x")`,
              onload: `${KRATOS}/y`,
              value: `${KRATOS}/v`,
            },
          },
        ],
      },
      identity: { traits: { website: `${KRATOS}/self-service/login` } },
    }) as Flowish;
    assert.equal(out.logout_url, `${PUBLIC}/api/ory/self-service/logout?token=t`);
    assert.equal(out.redirect_browser_to, `${PUBLIC}/api/ory/self-service/login/browser?aal=aal2`);
    assert.equal(out.return_to, `${PUBLIC}/api/ory/sessions/whoami`);
    assert.equal(
      out.continue_with[0]!.flow.url,
      `${PUBLIC}/api/ory/self-service/verification?flow=v`,
    );
    assert.equal(out.ui.action, `${PUBLIC}/api/ory/self-service/login?flow=1`);
    assert.equal(out.ui.nodes[0]!.attributes.src, `${PUBLIC}/api/ory/qr.png`);
    assert.equal(out.ui.nodes[1]!.attributes.onclick, `go("${KRATOS}/x")`, 'code, not a URL');
    assert.equal(out.ui.nodes[1]!.attributes.onload, `${KRATOS}/y`);
    assert.equal(out.ui.nodes[1]!.attributes.value, `${KRATOS}/v`);
    assert.equal(out.error.message, `see ${KRATOS}/x`, 'free text untouched');
    assert.equal(
      out.identity.traits.website,
      `${KRATOS}/self-service/login`,
      'user data untouched',
    );
  });

  test('unchanged bodies keep their exact bytes; non-JSON passes through', () => {
    const text = '{"a":  "https://example.com/", "b": [1, 2]}\n';
    assert.deepEqual(rewriteJSONBody(text, rewriter, PUBLIC), { text, changed: false });
    assert.deepEqual(rewriteJSONBody('not json', rewriter, PUBLIC), {
      text: 'not json',
      changed: false,
    });
  });

  test('a rewritten URL gets Go’s HTML-safe escaping; other strings keep their bytes; `__proto__` stays data', () => {
    const text = `{"__proto__":{"x":1},"ui":{"action":"${KRATOS}/a?x=<b>&y"},"m":"<script>"}`;
    const out = rewriteJSONBody(text, rewriter, PUBLIC);
    assert.ok(out.changed);
    assert.equal(
      out.text,
      `{"__proto__":{"x":1},"ui":{"action":"${PUBLIC}/api/ory/a?x=%3Cb%3E\\u0026y"},"m":"<script>"}`,
      'only the rewritten string is re-encoded (Kratos itself never sends a raw <)',
    );
    const parsed = JSON.parse(out.text) as Record<string, unknown>;
    assert.deepEqual(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value, { x: 1 });
  });
});

describe('JSON rewriter properties', () => {
  const kratosURL = fc
    .tuple(
      fc.constantFrom(KRATOS, 'https://slug.projects.oryapis:8080'),
      fc.stringMatching(/^(\/[a-z-]{1,8}){1,3}$/),
    )
    .map(([o, p]) => o + p);
  const otherURL = fc
    .tuple(
      fc.constantFrom('https://example.com', 'https://challenges.cloudflare.com'),
      fc.stringMatching(/^(\/[a-z-]{1,8}){0,3}$/),
    )
    .map(([o, p]) => o + (p || '/'));
  const node = fc.record({
    type: fc.constantFrom('input', 'a', 'img', 'script'),
    attributes: fc.record({
      href: fc.oneof(kratosURL, otherURL),
      src: fc.oneof(kratosURL, otherURL),
      onclick: kratosURL,
      value: kratosURL,
    }),
  });
  const flow = fc.record({
    ui: fc.record({
      action: fc.oneof(kratosURL, otherURL),
      nodes: fc.array(node, { maxLength: 5 }),
    }),
    return_to: fc.oneof(kratosURL, otherURL),
    identity: fc.record({ traits: fc.record({ url: kratosURL }) }),
  });

  test('idempotent, no Kratos origin left in URL fields, other hosts and code untouched', () => {
    fc.assert(
      fc.property(flow, (input) => {
        const once = rewriteJSONBody(JSON.stringify(input), rewriter, PUBLIC).text;
        assert.equal(rewriteJSONBody(once, rewriter, PUBLIC).text, once);
        const out = JSON.parse(once) as typeof input;
        const urls = [
          out.ui.action,
          out.return_to,
          ...out.ui.nodes.flatMap((n) => [n.attributes.href, n.attributes.src]),
        ];
        const before = [
          input.ui.action,
          input.return_to,
          ...input.ui.nodes.flatMap((n) => [n.attributes.href, n.attributes.src]),
        ];
        urls.forEach((u, i) => {
          if (/example\.com|cloudflare/.test(before[i]!)) assert.equal(u, before[i]);
          else assert.ok(u.startsWith(`${PUBLIC}/api/ory/`), u);
        });
        out.ui.nodes.forEach((n, i) => {
          assert.equal(n.attributes.onclick, input.ui.nodes[i]!.attributes.onclick);
          assert.equal(n.attributes.value, input.ui.nodes[i]!.attributes.value);
        });
        assert.equal(out.identity.traits.url, input.identity.traits.url);
      }),
      { numRuns: 300 },
    );
  });
});

describe('HTML body rewriter', () => {
  test('Go’s redirect body gets the proxy URL; entities decoded and re-escaped', () => {
    const body = `<a href="${KRATOS}/self-service/login?flow=1&amp;x=2">See Other</a>.\n`;
    const out = rewriteHTMLBody(body, rewriter, PUBLIC);
    assert.equal(
      out.text,
      `<a href="${PUBLIC}/api/ory/self-service/login?flow=1&amp;x=2">See Other</a>.\n`,
    );
  });

  test('only href/src/action attributes; text, other attributes and other hosts stay', () => {
    const body = `<form action='${KRATOS}/a'><img src="https://example.com/i.png" data-x="${KRATOS}/d"><p>${KRATOS}/t</p></form>`;
    const out = rewriteHTMLBody(body, rewriter, PUBLIC).text;
    assert.ok(out.includes(`action="${PUBLIC}/api/ory/a"`));
    assert.ok(out.includes('src="https://example.com/i.png"'));
    assert.ok(out.includes(`data-x="${KRATOS}/d"`));
    assert.ok(out.includes(`<p>${KRATOS}/t</p>`));
  });
});

/** All recorded Kratos flows (ory/elements stub responses), rewritten as if Kratos ran at their host. */
function* recordedFlows(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* recordedFlows(path);
    else if (name.endsWith('.json')) yield path;
  }
}

const URL_FIELDS = new Set([
  'action',
  'href',
  'src',
  'logout_url',
  'redirect_browser_to',
  'return_to',
  'url',
  'request_url',
]);

function urlFieldValues(node: unknown, out: string[] = [], key = ''): string[] {
  if (typeof node === 'string') {
    if (URL_FIELDS.has(key)) out.push(node);
  } else if (Array.isArray(node)) node.forEach((n) => urlFieldValues(n, out, key));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) if (k !== 'traits') urlFieldValues(v, out, k);
  }
  return out;
}

test('every recorded Kratos flow: no Kratos origin left in URL fields, Turnstile untouched', (t) => {
  const dir = sharedOryPath('elements/flows');
  if (!dir) return t.skip('shared Ory reference data not present');
  let files = 0;
  let rewritten = 0;
  for (const path of recordedFlows(dir)) {
    files++;
    const text = readFileSync(path, 'utf8');
    const out = rewriteJSONBody(text, rewriter, PUBLIC);
    if (out.changed) rewritten++;
    for (const value of urlFieldValues(JSON.parse(out.text))) {
      assert.ok(!value.startsWith('https://slug.projects.oryapis:8080'), `${path}: ${value}`);
    }
    if (text.includes('challenges.cloudflare.com'))
      assert.ok(out.text.includes('https://challenges.cloudflare.com/turnstile'));
  }
  assert.ok(files >= 284, `${files} files`);
  assert.ok(rewritten > 200, `${rewritten} rewritten`);
});

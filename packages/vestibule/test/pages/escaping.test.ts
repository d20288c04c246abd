// Escaping: every string a flow can carry is attacker-influenced (traits, identifiers echoed back,
// messages with context). Inject markup into every recorded flow and check it only ever shows up as text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { attrs, escapeHTML, markup } from '../../src/pages/ui/html.ts';
import {
  getPage,
  json,
  loadRecordedFlows,
  makePages,
  scanTags,
  stubKratos,
} from '../support/pages-fixtures.ts';

const PAYLOAD = `"'><script>alert(1)</script><img src=x onerror=alert(2)>`;
const flows = loadRecordedFlows();

/** A deep copy of `value` with `change` applied to every string (keys untouched). */
function mapStrings(value: unknown, change: (s: string, key: string) => string, key = ''): unknown {
  if (typeof value === 'string') return change(value, key);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, change, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, change, k)]));
  }
  return value;
}

async function renderBody(flowType: string, body: unknown): Promise<string> {
  const { fetch } = stubKratos(() => json(200, body));
  const { pages } = makePages(fetch);
  const response = await getPage(pages, `/${flowType}?flow=00000000-0000-0000-0000-000000000000`);
  return response.text();
}

function assertInert(doc: string): void {
  assert.ok(!doc.includes('<script>alert'), 'no injected script element');
  assert.ok(!doc.includes('<img src=x'), 'no injected img element');
  assert.ok(!doc.includes(`'><`), 'no attribute breakout');
  for (const tag of scanTags(doc)) {
    for (const name of tag.attrs.keys())
      assert.ok(!name.startsWith('on'), `no ${name} handler on <${tag.name}>`);
    for (const name of ['href', 'src', 'action']) {
      assert.ok(
        !/^\s*(javascript|vbscript|data:text)/i.test(tag.attrs.get(name) ?? ''),
        `no active URL in ${name}`,
      );
    }
  }
  // Every <script> is either our nonce'd inline script or a Kratos script node tagged with the nonce.
  const scripts = [...doc.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  for (const s of scripts) assert.match(s, / nonce="[A-Za-z0-9+/=]+"/);
}

describe('escaping of recorded flows with injected markup', { skip: !flows }, () => {
  for (const recorded of flows ?? []) {
    if (!('ui' in recorded.body)) continue;
    test(recorded.name, async () => {
      // Texts (labels, messages, values) carry the payload and must appear escaped.
      const texts = mapStrings(recorded.body, (s, key) =>
        key === 'text' || key === 'value' ? s + PAYLOAD : s,
      );
      const doc = await renderBody(recorded.flowType, texts);
      assertInert(doc);
      assert.ok(doc.includes(escapeHTML(PAYLOAD)), 'payload shown as text');
      // Every string at once, URLs included (ui.action, script src): still inert.
      const everything = mapStrings(recorded.body, (s) => s + PAYLOAD);
      assertInert(await renderBody(recorded.flowType, everything));
      // Active URL schemes in every URL field never reach an attribute.
      const urls = mapStrings(recorded.body, (s, key) =>
        ['action', 'src', 'href'].includes(key) ? 'javascript:alert(3)' : s,
      );
      assertInert(await renderBody(recorded.flowType, urls));
    });
  }
});

describe('markup templates', () => {
  test('interpolated text and attribute values always round-trip as text (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const out = markup`<p${attrs({ title: s })}>${s}</p>`.value;
        const tags = scanTags(out);
        assert.equal(tags.length, 1);
        assert.equal(tags[0]!.attrs.get('title'), s);
        const content = out.slice(out.indexOf('>') + 1, out.lastIndexOf('</p>'));
        assert.ok(!/[<>"'`]/.test(content.replace(/&(amp|lt|gt|quot|#39|#96);/g, '')));
      }),
    );
  });

  test('nested markup is kept, arrays are joined, nullish and false render nothing', () => {
    const inner = markup`<b>${'<i>'}</b>`;
    assert.equal(
      markup`${inner}${[1, '<', null, undefined, false]}`.value,
      '<b>&lt;i&gt;</b>1&lt;',
    );
  });

  test('attribute names are fixed by our code: an invalid one is a programming error', () => {
    assert.throws(() => attrs({ 'onclick="x"': 'y' }), TypeError);
  });
});

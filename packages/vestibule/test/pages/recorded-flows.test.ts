// Every recorded Kratos flow (284 files from Ory Elements' stub responses, all five flows) renders
// through the handler: without error, every node present (by name/value/id), messages shown with
// Kratos's text, and each node inside its Kratos group.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { UINode, UIText } from '../../src/pages/ui/flow-types.ts';
import { escapeHTML } from '../../src/pages/ui/html.ts';
import {
  FIXTURE_KRATOS,
  getPage,
  json,
  loadRecordedFlows,
  makePages,
  scanTags,
  stubKratos,
  type RecordedFlow,
  type Tag,
} from '../support/pages-fixtures.ts';

const flows = loadRecordedFlows();
const SHARED = new Set(['default', 'captcha']);

/** Finds the start tag that renders `node` (first one not already claimed by another node). */
function findNodeTag(tags: Tag[], node: UINode, used: Set<Tag>): Tag | undefined {
  const a = node.attributes as Record<string, unknown>;
  const value =
    a.value === undefined || a.value === null
      ? undefined
      : typeof a.value === 'string'
        ? a.value
        : typeof a.value === 'object'
          ? JSON.stringify(a.value)
          : String(a.value);
  const matches = (t: Tag): boolean => {
    if (used.has(t)) return false;
    switch (node.type) {
      case 'input': {
        if (t.attrs.get('name') !== a.name) return false;
        if (a.type === 'submit' || a.type === 'button')
          return t.name === 'button' && t.attrs.get('value') === value;
        if (a.type === 'hidden')
          return t.name === 'input' && (t.attrs.get('value') ?? '') === (value ?? '');
        return t.name === 'input' || t.name === 'select';
      }
      case 'script':
        return t.name === 'script' && t.attrs.get('id') === a.id;
      case 'img':
        return t.name === 'img' && t.attrs.get('id') === a.id;
      case 'text':
      case 'div':
        return t.name === 'div' && t.attrs.get('id') === a.id;
      default:
        return false;
    }
  };
  const tag = tags.find(matches);
  if (tag) used.add(tag);
  return tag;
}

function allMessages(flow: Record<string, unknown>): UIText[] {
  const ui = flow.ui as { messages?: UIText[]; nodes: UINode[] };
  return [...(ui.messages ?? []), ...ui.nodes.flatMap((n) => n.messages ?? [])];
}

async function render(recorded: RecordedFlow) {
  const error = (recorded.body as { error?: { code?: number } }).error;
  const { fetch } = stubKratos(() =>
    error ? json(error.code ?? 500, recorded.body) : json(200, recorded.body),
  );
  // Some recordings come from another Ory project host: as an operator would, list it as a Kratos URL.
  const kratosBrowserURLs = [new URL(String(recorded.body.request_url ?? FIXTURE_KRATOS)).origin];
  const { pages, logger } = makePages(fetch, { kratosBrowserURLs });
  const response = await getPage(
    pages,
    `/${recorded.flowType}?flow=00000000-0000-0000-0000-000000000000`,
  );
  return { response, logger };
}

describe('recorded Kratos flows', { skip: !flows }, () => {
  test('all 284 recordings are present, covering the five flows', () => {
    assert.equal(flows!.length, 284);
    assert.deepEqual(
      new Set(flows!.map((f) => f.flowType)),
      new Set(['login', 'registration', 'recovery', 'verification', 'settings']),
    );
  });

  for (const recorded of flows ?? []) {
    test(recorded.name, async () => {
      const { response } = await render(recorded);
      const body = await response.text();
      assert.doesNotMatch(
        body,
        /at [\w.<>]+ \(|node_modules|Error:/,
        'no stack traces on the page',
      );
      if (!('ui' in recorded.body)) {
        // Error recordings (a disabled flow, a missing method): an error page with the request id.
        assert.equal(response.status, 400);
        assert.match(body, new RegExp(response.headers.get('x-request-id')!));
        return;
      }
      assert.equal(response.status, 200, body.slice(0, 300));
      const tags = scanTags(body);
      const used = new Set<Tag>();
      const nodes = (recorded.body.ui as { nodes: UINode[] }).nodes;
      for (const node of nodes) {
        const tag = findNodeTag(tags, node, used);
        if (node.type === 'text' && !node.attributes.id) {
          assert.ok(
            body.includes(escapeHTML((node.attributes.text as UIText).text ?? '')),
            'text node shown',
          );
          continue;
        }
        assert.ok(
          tag,
          `node ${node.type} ${JSON.stringify(node.attributes).slice(0, 120)} rendered`,
        );
        if (recorded.flowType !== 'settings' || !SHARED.has(node.group)) {
          assert.equal(
            tag.group,
            node.group,
            `node ${String(node.attributes.name ?? node.attributes.id)} in group ${node.group}`,
          );
        }
        const label = node.meta?.label?.text;
        // A hidden input has no visible label (Kratos labels some, e.g. the code method's identifier).
        if (label && node.attributes.type !== 'hidden')
          assert.ok(body.includes(escapeHTML(label)), `label "${label}" shown`);
      }
      for (const message of allMessages(recorded.body)) {
        assert.ok(body.includes(escapeHTML(message.text ?? '')), `message ${message.id} shown`);
        assert.ok(
          body.includes(`data-message-id="${message.id}"`),
          `message ${message.id} tagged with its id`,
        );
      }
      // Forms post to the same-origin proxy, never to Kratos's own host.
      for (const form of tags.filter((t) => t.name === 'form')) {
        assert.match(
          form.attrs.get('action')!,
          /^http:\/\/localhost:4000\/api\/ory\/self-service\//,
        );
      }
      assert.doesNotMatch(body, /slug\.projects\.oryapis/, 'no Kratos host left in the page');
    });
  }
});

// Every message of every recorded Kratos flow is overridable by the project's translations, keyed by
// Kratos's message id (the "messages show Kratos's own text, overridable by translations").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UINode, UIText } from '../../src/pages/ui/flow-types.ts';
import { escapeHTML } from '../../src/pages/ui/html.ts';
import {
  FIXTURE_KRATOS,
  getPage,
  json,
  loadRecordedFlows,
  makePages,
  stubKratos,
} from '../support/pages-fixtures.ts';

const flows = loadRecordedFlows();

function messagesOf(flow: Record<string, unknown>): UIText[] {
  const ui = flow.ui as { messages?: UIText[]; nodes: UINode[] } | undefined;
  if (!ui) return [];
  return [...(ui.messages ?? []), ...ui.nodes.flatMap((n) => n.messages ?? [])];
}

test('every message id in the recorded flows is replaced by its translation', async () => {
  let checked = 0;
  for (const recorded of flows ?? []) {
    const messages = messagesOf(recorded.body).filter((m) => typeof m.id === 'number');
    if (messages.length === 0) continue;
    // `<` and `&` in the translation prove it is escaped like Kratos's own text.
    const translations = Object.fromEntries(
      messages.map((m) => [String(m.id), `Translated <${m.id}> & done`]),
    );
    const { fetch } = stubKratos(() => json(200, recorded.body));
    const kratosBrowserURLs = [new URL(String(recorded.body.request_url ?? FIXTURE_KRATOS)).origin];
    const { pages } = makePages(fetch, { kratosBrowserURLs, translations });
    const response = await getPage(
      pages,
      `/${recorded.flowType}?flow=00000000-0000-0000-0000-000000000000`,
    );
    const body = await response.text();
    assert.equal(response.status, 200, recorded.name);
    for (const message of messages) {
      assert.ok(
        body.includes(escapeHTML(`Translated <${message.id}> & done`)),
        `${recorded.name}: message ${message.id} translated`,
      );
      assert.ok(!body.includes(`Translated <${message.id}>`), 'translations are escaped');
    }
    checked++;
  }
  if (flows) assert.ok(checked >= 50, `only ${checked} recordings carry messages`);
});

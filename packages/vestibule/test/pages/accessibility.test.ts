// Accessible forms across every recorded Kratos flow: each visible control has a <label for> naming
// it, ids are unique, a control with messages points at them (aria-describedby) and one with an error
// says so (aria-invalid), the page declares its language, and no framework runtime is shipped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  FIXTURE_KRATOS,
  getPage,
  json,
  loadRecordedFlows,
  makePages,
  scanTags,
  stubKratos,
} from '../support/pages-fixtures.ts';

const flows = loadRecordedFlows();

test('every visible control of every recorded flow is labelled and wired to its messages', async () => {
  let controls = 0;
  for (const recorded of flows ?? []) {
    if (!('ui' in recorded.body)) continue;
    const { fetch } = stubKratos(() => json(200, recorded.body));
    const kratosBrowserURLs = [new URL(String(recorded.body.request_url ?? FIXTURE_KRATOS)).origin];
    const { pages } = makePages(fetch, { kratosBrowserURLs });
    const response = await getPage(
      pages,
      `/${recorded.flowType}?flow=00000000-0000-0000-0000-000000000000`,
    );
    const body = await response.text();
    const tags = scanTags(body);
    assert.match(body, /<html lang="[a-z-]+"/i, `${recorded.name}: page language`);
    const ids = tags.map((t) => t.attrs.get('id')).filter((id): id is string => !!id);
    assert.equal(new Set(ids).size, ids.length, `${recorded.name}: ids are unique`);
    const labelled = new Set(tags.filter((t) => t.name === 'label').map((t) => t.attrs.get('for')));
    for (const tag of tags) {
      const visibleInput =
        tag.name === 'input' &&
        !['hidden', 'submit', 'button'].includes(tag.attrs.get('type') ?? '');
      if (!visibleInput && tag.name !== 'select' && tag.name !== 'textarea') continue;
      controls++;
      const id = tag.attrs.get('id');
      assert.ok(id && labelled.has(id), `${recorded.name}: ${tag.attrs.get('name')} has a label`);
      const describedBy = tag.attrs.get('aria-describedby');
      if (describedBy) assert.ok(ids.includes(describedBy), `${recorded.name}: describedby target`);
      if (tag.attrs.get('aria-invalid') === 'true') assert.ok(describedBy, 'an error is described');
    }
    // Only our own small inline script (and the scripts Kratos asks for) — no framework bundle.
    for (const script of tags.filter((t) => t.name === 'script')) {
      const src = script.attrs.get('src');
      if (src)
        assert.ok(!src.startsWith('/') || src.includes('webauthn'), `${recorded.name}: ${src}`);
    }
  }
  if (flows) assert.ok(controls > 200, `only ${controls} controls checked`);
});

// The overview lists every command from main.ts's index without loading the commands' modules (so
// `vestibule up` loads none of the others'): each entry must still be the command its module
// exports, with the same name and summary.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commandIndex } from '../src/main.ts';

test("each command in the index loads the module's command, with its name and summary", async () => {
  assert.equal(new Set(commandIndex.map((c) => c.name)).size, commandIndex.length);
  for (const entry of commandIndex) {
    const command = await entry.load();
    assert.equal(command.name, entry.name);
    assert.equal(command.summary, entry.summary, `${entry.name}: the summary in main.ts differs`);
  }
});

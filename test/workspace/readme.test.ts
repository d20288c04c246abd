// The README opens with exactly two commands (the demo stack, the whole suite), and CI runs the second
// one verbatim: if either drifts, the README's promise to a fresh clone is no longer what CI checks.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const read = (path: string) => readFileSync(root + path, 'utf8');

test('the README opens with two commands; .ci/run runs the test one verbatim', () => {
  const readme = read('README.md');
  const first = /^# [^\n]+\n+```sh\n([\s\S]*?)```/.exec(readme);
  assert.ok(first, 'the README starts with a title and a sh block');
  const commands = first[1]!
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean);
  assert.deepEqual(commands, ['npm ci && npm start', 'npm ci && npm test']);
  const ci = read('.ci/run')
    .split('\n')
    .filter((line) => !line.trim().startsWith('#') && !line.trim().startsWith('echo'));
  assert.ok(
    ci.some((line) => line.trim() === commands[1]),
    '.ci/run runs `npm ci && npm test`',
  );
  const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
  assert.match(scripts.start!, /^node scripts\/start\.mjs up$/, 'npm start = vestibule up');
  assert.match(scripts.test!, /^node scripts\/test\.mjs$/, 'npm test = the whole suite');
});

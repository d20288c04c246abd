// The stack's one line of startup phases: each phase timed where it runs, side-by-side phases
// joined with ‖, the whole start measured from the process's start, with its CPU time.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startupPhases } from '../src/stack/phases.ts';

test('the summary names every timed phase, joins the side-by-side ones, and keeps a failed one', async () => {
  const phases = startupPhases();
  await Promise.all([
    phases.time('identity server', Promise.resolve(1)),
    phases.time('demo app', Promise.resolve(2)),
    assert.rejects(phases.time('edge', Promise.reject(new Error('port in use')))),
  ]);
  const line = phases.summary();
  assert.match(
    line,
    /^• startup \d+\.\ds after the process started \(\d+\.\ds CPU\): modules \d+\.\ds, identity server \d+\.\ds ‖ demo app \d+\.\ds ‖ edge \d+\.\ds$/,
  );
  assert.doesNotMatch(line, /admin seed/, 'a phase that did not run is left out');
  await phases.time('admin seed', Promise.resolve('created'));
  assert.match(phases.summary(), /‖ edge \d+\.\ds, admin seed \d+\.\ds$/);
});

test('the value of a timed phase is passed through', async () => {
  assert.equal(await startupPhases().time('edge', Promise.resolve('running')), 'running');
});

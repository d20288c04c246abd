// The measurement of what the transcripts do not record (scripted.ts): admin identities, sessions
// endpoints, routing between the ports, malformed input — each expectation read from Kratos's
// source. Printed beside the recorded figure; holds its own floor that only goes up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAsRecorded } from './replay.ts';
import { runScripted, SCRIPTED_STEPS } from './scripted.ts';

/** Identical scripted steps this branch has reached. Raise it as fixes land; never lower it. */
const FLOOR_STEPS = 63;

test('unrecorded endpoints answer as Kratos source says, step for step', async () => {
  const server = await startAsRecorded();
  try {
    const results = await runScripted(server);
    const identical = results.filter((r) => r.differences.length === 0).length;
    const report = results
      .filter((r) => r.differences.length)
      .map((r) => `  ${r.name}\n${r.differences.map((d) => `      ${d}`).join('\n')}`);
    console.log(
      `fidelity (scripted, source-derived): ${identical}/${results.length} steps identical (${((100 * identical) / results.length).toFixed(1)}%)\n${report.join('\n')}`,
    );
    assert.equal(results.length, SCRIPTED_STEPS.length);
    assert.ok(identical >= FLOOR_STEPS, `identical steps ${identical} < floor ${FLOOR_STEPS}`);
  } finally {
    await server.close();
  }
});

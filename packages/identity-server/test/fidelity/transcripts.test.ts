// The measuring instrument for issue 14: every recorded exchange of a real Kratos (see replay.ts) is
// replayed on the embedded server and compared by shape (shape.ts). It prints the share of
// identical steps and every difference, and holds a floor that only ever goes up.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replayTranscript, transcriptFiles, type StepResult } from './replay.ts';

/**
 * Identical steps this branch has reached (of 208 recorded; 55 = 26.4 % at the start of issue 14).
 * Raise it as fixes land; never lower it.
 */
const FLOOR_STEPS = 208;

test('recorded Kratos transcripts replay on the embedded server with the same shapes', async () => {
  const results: StepResult[] = [];
  for (const file of transcriptFiles()) results.push(...(await replayTranscript(file)));
  const identical = results.filter((r) => r.differences.length === 0).length;
  const percent = (100 * identical) / results.length;
  const report = results
    .filter((r) => r.differences.length)
    .map(
      (r) =>
        `  ${r.file}#${r.step} ${r.method} ${r.url}\n${r.differences.map((d) => `      ${d}`).join('\n')}`,
    );
  console.log(
    `fidelity: ${identical}/${results.length} steps identical (${percent.toFixed(1)}%)\n${report.join('\n')}`,
  );
  assert.ok(results.length > 200, 'the transcripts were all read');
  assert.ok(identical >= FLOOR_STEPS, `identical steps ${identical} < floor ${FLOOR_STEPS}`);
});

// `vestibule serve`'s young generation (issue 15, memory). V8 doubles its two semi-spaces under fast
// allocation, up to 16 MB each, and keeps them once grown: after a burst of session-cache misses
// (the memory bench's fill of 100k sessions) the edge held ~35 MB more RSS than with semi-spaces of
// 4 MB, and kept it idle. Paired rounds of a cached request showed no CPU cost at 4 MB (a young
// generation that fits the cache better may even be cheaper); keeping it at its initial 1 MB (growth
// factor 1 from the start) cost ~9 % CPU per request (more scavenges, more in-flight objects promoted).
// V8 reads --max-semi-space-size only when the heap is set up, and `vestibule serve` is already
// running by then; it reads the growth factor each time it would grow. So the cap is kept at run
// time: after each collection, once the young generation has reached the cap its growth factor is
// set to 1 (no more growth), and back to V8's 2 if V8 shrank it below. A burst can overshoot by one
// doubling before the next check. VESTIBULE_SEMI_SPACE_MB (default 4; 0: V8's own growth, up to 16);
// an operator's own semi-space node flag wins.
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { UsageError } from '../terminal/args.ts';

export const DEFAULT_SEMI_SPACE_MB = 4;
const V8_GROWTH_FACTOR = 2;
const SEMI_SPACE_FLAGS = [
  '--semi-space-growth-factor',
  '--max-semi-space-size',
  '--min-semi-space-size',
];

/** The cap of each semi-space in MB, or undefined to leave V8's growth (0, or an operator's flag). */
export function semiSpaceCapMB(
  env: Readonly<Record<string, string | undefined>>,
  execArgv: readonly string[] = [],
): number | undefined {
  const flags = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  // Node accepts V8 flags with underscores too.
  if (flags.some((a) => SEMI_SPACE_FLAGS.some((f) => a.replaceAll('_', '-').startsWith(f))))
    return undefined;
  const value = env.VESTIBULE_SEMI_SPACE_MB;
  if (value === undefined || value === '') return DEFAULT_SEMI_SPACE_MB;
  const mb = Number(value);
  if (!/^\d+$/.test(value) || mb > 16) {
    throw new UsageError(
      `VESTIBULE_SEMI_SPACE_MB: expected a whole number from 0 to 16, got "${value}"`,
    );
  }
  return mb === 0 ? undefined : mb;
}

/**
 * Keeps this process's semi-spaces at `mb` or below from now on (see above). Returns what stops it.
 * @example `const stop = capSemiSpaces(4);`
 */
export function capSemiSpaces(mb: number | undefined): () => void {
  if (mb === undefined) return () => {};
  // new_space's size counts both semi-spaces.
  const cap = 2 * mb * 2 ** 20;
  let growing = true;
  const check = () => {
    const newSpace = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    if (!newSpace) return;
    const grow = newSpace.space_size < cap;
    if (grow === growing) return;
    growing = grow;
    setFlagsFromString(`--semi-space-growth-factor=${grow ? V8_GROWTH_FACTOR : 1}`);
  };
  const observer = new PerformanceObserver(check);
  observer.observe({ entryTypes: ['gc'] });
  check();
  return () => observer.disconnect();
}

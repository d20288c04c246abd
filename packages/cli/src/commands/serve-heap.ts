// `vestibule serve` runs the edge alone in its process, so it may choose how V8 grows its heap.
// With V8's default growing factor, a burst of session-cache misses (the memory bench's fill) left
// an edge at 290 MB RSS with 20k cached sessions and 55 MB live (heap snapshot), and V8 kept it while
// the edge idled. Growth of 10 % past what survived the last full collection kept it at 168 MB, with
// no cost per cached request seen in an A/B of CPU per request (README, memory section).
// VESTIBULE_HEAP_GROWING_PERCENT: 0 leaves V8's own factor; a node flag given by the operator wins.
import { setFlagsFromString } from 'node:v8';
import { UsageError } from '../terminal/args.ts';

export const DEFAULT_HEAP_GROWING_PERCENT = 10;
const FLAG = '--heap-growing-percent';

/** The growth to apply, or undefined to leave V8's default (0, or the operator's own node flag). */
export function heapGrowingPercent(
  env: Readonly<Record<string, string | undefined>>,
  execArgv: readonly string[] = [],
): number | undefined {
  if ([...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.startsWith(FLAG)))
    return undefined;
  const value = env.VESTIBULE_HEAP_GROWING_PERCENT;
  if (value === undefined || value === '') return DEFAULT_HEAP_GROWING_PERCENT;
  const percent = Number(value);
  if (!/^\d+$/.test(value) || percent > 400) {
    throw new UsageError(
      `VESTIBULE_HEAP_GROWING_PERCENT: expected a whole number from 0 to 400, got "${value}"`,
    );
  }
  return percent === 0 ? undefined : percent;
}

/** Applies it to this process (V8 reads the factor at each full collection). */
export function applyHeapGrowth(percent: number | undefined): void {
  if (percent !== undefined) setFlagsFromString(`${FLAG}=${percent}`);
}

// The young generation. V8 doubles its semi-spaces under fast allocation, up to 16 MB each (a young
// generation of 32–48 MB), and keeps them once grown: after the memory bench's fill an edge held
// ~40 MB more RSS than with the young generation left at its initial size, and kept it idle.
// VESTIBULE_SEMI_SPACE_GROWTH_FACTOR (1: no growth; default 0: V8's own factor); V8 reads it each
// time it would grow the semi-spaces, so it applies at run time. An operator's own semi-space flag
// (growth factor, --max-semi-space-size, --min-semi-space-size) wins.
// The cost is on allocation-heavy work: a burst of 20k session-cache misses (whoami answers parsed
// and projected, 64 at a time, against a stub answering at once) took 15 s instead of 11–13 s; no
// difference in CPU per cached request was seen under load — but on the quiet machine, paired rounds
// put a cached `public` request at ~9 % more CPU with 1 (more scavenges of a young generation that
// stays small), so the default is V8's own growth and 1 is the operator's choice of memory over CPU.
export const DEFAULT_SEMI_SPACE_GROWTH_FACTOR = 0;
const SEMI_SPACE_FLAGS = [
  '--semi-space-growth-factor',
  '--max-semi-space-size',
  '--min-semi-space-size',
];

/** The growth factor to apply, or undefined to leave V8's (0, or the operator's own node flag). */
export function semiSpaceGrowthFactor(
  env: Readonly<Record<string, string | undefined>>,
  execArgv: readonly string[] = [],
): number | undefined {
  const flags = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  // Node accepts V8 flags with underscores too.
  if (flags.some((a) => SEMI_SPACE_FLAGS.some((f) => a.replaceAll('_', '-').startsWith(f))))
    return undefined;
  const value = env.VESTIBULE_SEMI_SPACE_GROWTH_FACTOR;
  const factor =
    value === undefined || value === '' ? DEFAULT_SEMI_SPACE_GROWTH_FACTOR : Number(value);
  if ((value !== undefined && value !== '' && !/^\d+$/.test(value)) || factor > 8) {
    throw new UsageError(
      `VESTIBULE_SEMI_SPACE_GROWTH_FACTOR: expected a whole number from 0 to 8, got "${value}"`,
    );
  }
  return factor === 0 ? undefined : factor;
}

/** Applies it to this process. */
export function applySemiSpaceGrowth(factor: number | undefined): void {
  if (factor !== undefined) setFlagsFromString(`--semi-space-growth-factor=${factor}`);
}

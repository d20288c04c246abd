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

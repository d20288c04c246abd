// Measuring request cost for the timing-enumeration regression test: CPU time (process.cpuUsage,
// all threads of the process, so bcrypt on libuv's pool counts) of one in-process request, two
// arms run interleaved so both see the same machine load, compared by the ratio of their medians.
import type { Lifecycle } from '../recovery/support.ts';

/** `a`: the existing identifier; `b`: the unknown one. */
export type Arm = 'a' | 'b';

export interface Arms {
  /** Runs before each measured request, not measured (e.g. a fresh flow); returns the request. */
  prepare(arm: Arm, round: number): Promise<() => Promise<Response>>;
}

export interface Comparison {
  medianA: number;
  medianB: number;
  /** median(a) / median(b). */
  ratio: number;
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** CPU microseconds spent by the process while `send` runs to a consumed body. */
async function cpuCost(send: () => Promise<Response>): Promise<number> {
  const before = process.cpuUsage();
  const res = await send();
  await res.arrayBuffer();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

/**
 * `rounds` interleaved pairs (the order within a pair alternates, so neither arm always runs on a
 * warmed-up or a cooled-down process); the courier is drained between requests, outside the clock.
 */
export async function compareArms(
  life: Lifecycle,
  arms: Arms,
  rounds: number,
): Promise<Comparison> {
  const costs = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const order: Arm[] = i % 2 ? ['a', 'b'] : ['b', 'a'];
    for (const arm of order) {
      const send = await arms.prepare(arm, i);
      await life.courier.idle();
      costs[arm].push(await cpuCost(send));
      await life.courier.idle();
    }
  }
  const medianA = median(costs.a);
  const medianB = median(costs.b);
  return { medianA, medianB, ratio: medianA / medianB };
}

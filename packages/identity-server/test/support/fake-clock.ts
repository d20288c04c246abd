// A clock tests move by hand: expiry is tested by advancing it, never by sleeping.
import type { Clock } from '../../src/driver/context.ts';

export interface FakeClock extends Clock {
  advance(ms: number): void;
  set(at: Date): void;
}

export function createFakeClock(start = new Date('2026-01-01T00:00:00.000Z')): FakeClock {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance: (ms) => {
      now += ms;
    },
    set: (at) => {
      now = at.getTime();
    },
  };
}

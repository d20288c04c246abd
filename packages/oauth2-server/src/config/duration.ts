// Hydra's durations are Go `time.Duration` strings ("1h", "30m", "720h", "1h30m10s").
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds in a Go duration string; throws on anything Go's time.ParseDuration would reject. */
export function parseDuration(value: string): number {
  const parts = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(value)
    ? value.match(/\d+(?:\.\d+)?(?:ms|s|m|h)/g)
    : null;
  if (!parts) throw new RangeError(`"${value}" is not a duration (e.g. "1h", "30m", "90s")`);
  let seconds = 0;
  for (const part of parts) {
    const [, amount, unit] = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(part)!;
    seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  }
  return Math.floor(seconds);
}

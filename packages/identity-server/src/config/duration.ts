// Go durations as Kratos reads them from kratos.yml ("1h30m", "10m", "30s", "1.5h", "250ms").
// Go's time.ParseDuration accepts a sequence of decimal numbers each with a unit; Kratos's config
// schema narrows that to `^([0-9]+(ns|us|ms|s|m|h))+$`, we accept Go's full grammar (fractions, µs)
// so that any file real Kratos accepts parses here too. Negative durations make no sense for
// lifespans and are rejected.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Milliseconds of a Go duration string, or undefined when it is not one. "0" is allowed, as in Go. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text.length === 0 || text.length > 64) return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let index = 0;
  while (index < text.length) {
    PART.lastIndex = index;
    const match = PART.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    index = PART.lastIndex;
  }
  return Number.isFinite(total) ? total : undefined;
}

/** Inverse, for messages and for writing configs: 5400000 → "1h30m0s" style kept short ("1h30m"). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) parts.push(`${count}${unit}`);
    rest -= count * size;
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}

/** Byte sizes as Kratos's hashers.argon2.memory ("128MB", base 1024 like go-bytesize). */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+)(B|KB|MB|GB|TB)$/.exec(text.trim());
  if (!match) return undefined;
  const power = ['B', 'KB', 'MB', 'GB', 'TB'].indexOf(match[2]!);
  const bytes = Number(match[1]) * 1024 ** power;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

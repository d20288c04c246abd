// `600/1m`: how many requests per window. Written in vestibule.yml rules as
// `rate_limit: { per_identity: 600/1m, per_anonymous_address: 60/1m }`.

export interface RateSpec {
  points: number;
  windowSeconds: number;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
const SPEC = /^\s*(\d{1,9})\s*\/\s*(\d{0,6})\s*(s|m|h|d)\s*$/;

/** Parses `N/window` (window `10s`, `1m`, `m`, `1h`, `1d`); undefined for anything else. */
export function parseRateSpec(text: string): RateSpec | undefined {
  const match = SPEC.exec(text);
  if (!match) return undefined;
  const points = Number(match[1]);
  const windowSeconds = Number(match[2] || 1) * UNITS[match[3]!]!;
  if (points < 1 || windowSeconds < 1) return undefined;
  return { points, windowSeconds };
}

export function formatRateSpec(spec: RateSpec): string {
  return `${spec.points}/${spec.windowSeconds}s`;
}

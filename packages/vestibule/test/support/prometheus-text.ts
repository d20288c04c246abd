// Parses a Prometheus text exposition (a well-kept parser: the test must read what Prometheus reads).
// @ts-expect-error -- the package ships no type declarations; its shape is typed below.
import parsePrometheusText from 'parse-prometheus-text-format';

export interface PromSample {
  labels?: Record<string, string>;
  value?: string;
  buckets?: Record<string, string>;
  count?: string;
  sum?: string;
}

export interface PromFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: PromSample[];
}

export function parsePrometheus(text: string): Map<string, PromFamily> {
  const families = (parsePrometheusText as (t: string) => PromFamily[])(text);
  return new Map(families.map((f) => [f.name, f]));
}

/** The value of the sample whose labels include `labels` (0 when none). */
export function sampleValue(
  family: PromFamily | undefined,
  labels: Record<string, string> = {},
): number {
  const sample = family?.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  return sample ? Number(sample.value ?? sample.count) : 0;
}

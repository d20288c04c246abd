// "◌ listing users…" only for work that takes longer than a second: quick calls print nothing extra,
// slow ones show they are alive. On stderr, so `--json` output on stdout stays parseable.
import type { CLIIO } from './io.ts';

export async function withSlowProgress<T>(
  io: CLIIO,
  label: string,
  work: () => Promise<T>,
  afterMs = 1_000,
): Promise<T> {
  const started = performance.now();
  let shown = false;
  const timer = setTimeout(() => {
    shown = true;
    io.stderr(`◌ ${label}…\n`);
  }, afterMs);
  try {
    return await work();
  } finally {
    clearTimeout(timer);
    if (shown) io.stderr(`✓ ${label} (${((performance.now() - started) / 1000).toFixed(1)}s)\n`);
  }
}

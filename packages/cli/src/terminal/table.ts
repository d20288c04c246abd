// Aligned columns for people (`users list`, `sessions list`); `--json` is the format for scripts.
export function formatTable(
  headers: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  paintHeader: (text: string) => string = (t) => t,
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [paintHeader(line(headers)), ...rows.map(line)].join('\n') + '\n';
}

/** A timestamp cell: the SDK gives `Date`s; ISO-8601 to the second, "-" when absent. */
export function formatTime(value: Date | string | undefined | null): string {
  if (!value) return '-';
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace(/\.\d+Z$/, 'Z');
}

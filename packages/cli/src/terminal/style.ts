// Colours for ✓ / ✗ / ! lines and table headers: only when stdout is a terminal and NO_COLOR is not
// set (https://no-color.org: present and non-empty disables colour), so pipes, CI logs and tests
// read plain text.
import type { CLIIO } from './io.ts';

export interface Style {
  ok(text: string): string;
  fail(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const ANSI = { ok: 32, fail: 31, warn: 33, dim: 2, bold: 1 } as const;

export function colourEnabled(io: Pick<CLIIO, 'isTTY' | 'env'>): boolean {
  return io.isTTY === true && !io.env.NO_COLOR;
}

export function createStyle(io: Pick<CLIIO, 'isTTY' | 'env'>): Style {
  const on = colourEnabled(io);
  const paint = (code: number) => (text: string) => (on ? `\x1b[${code}m${text}\x1b[0m` : text);
  return {
    ok: paint(ANSI.ok),
    fail: paint(ANSI.fail),
    warn: paint(ANSI.warn),
    dim: paint(ANSI.dim),
    bold: paint(ANSI.bold),
  };
}

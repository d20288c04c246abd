// What a generator returns, and writing it: to stdout (each file under a "# --- path" line) or into
// --out, never over an existing file unless --force says so.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface GeneratedFile {
  /** Relative to --out. */
  path: string;
  content: string;
}

export function writeGenerated(
  files: readonly GeneratedFile[],
  out: string,
  options: { force: boolean },
): { written: string[]; kept: string[] } {
  const existing = files.filter((f) => existsSync(join(out, f.path))).map((f) => f.path);
  if (existing.length > 0 && !options.force) return { written: [], kept: existing };
  for (const file of files) {
    const path = join(out, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
  }
  return { written: files.map((f) => f.path), kept: [] };
}

export function printGenerated(
  files: readonly GeneratedFile[],
  write: (text: string) => void,
): void {
  for (const file of files)
    write(`# --- ${file.path}\n${file.content}${file.content.endsWith('\n') ? '' : '\n'}`);
}

// Access to ../shared/ory (Ory's reference data). It exists on development machines and in CI, not in a
// user's clone: tests that need it run when present, fail in CI when missing, and are skipped elsewhere
// with a visible one-line notice (shared/ory/README.md).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const sharedOryDir = join(repoRoot, '..', 'shared', 'ory');

/** Returns the absolute path, or `undefined` after printing a skip notice (throws in CI). */
export function sharedOryPath(relative: string): string | undefined {
  const path = join(sharedOryDir, relative);
  if (existsSync(path)) return path;
  if (process.env.CI) {
    throw new Error(`shared reference data missing in CI: ${path}`);
  }
  console.log(
    `# notice: skipping tests that need ../shared/ory/${relative} (not present in this clone)`,
  );
  return undefined;
}

export function readSharedJSON<T = unknown>(relative: string): T | undefined {
  const path = sharedOryPath(relative);
  return path ? (JSON.parse(readFileSync(path, 'utf8')) as T) : undefined;
}

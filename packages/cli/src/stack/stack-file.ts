// <data dir>/stack.json: the settings `vestibule up` actually ran with (the edge's vestibule.yml
// values and the embedded Kratos's kratos.yml values), so `vestibule doctor` without --config
// judges the demo stack as it runs. Holds the header secret: mode 0600, like secrets.json.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const STACK_FILE = 'stack.json';

export interface StackFile {
  /** vestibule.yml keys (as given to the config loader). */
  edge: Record<string, unknown>;
  /** kratos.yml keys of the embedded identity server; absent when a Kratos was given by URL. */
  kratos?: Record<string, unknown>;
}

export function writeStackFile(dataDir: string, stack: StackFile): void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, STACK_FILE);
  writeFileSync(path, JSON.stringify(stack, null, 2) + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
}

export function readStackFile(dataDir: string): StackFile | undefined {
  const path = join(dataDir, STACK_FILE);
  if (!existsSync(path)) return undefined;
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as StackFile;
  if (!parsed || typeof parsed.edge !== 'object') throw new Error(`${path} is not a stack file`);
  return parsed;
}

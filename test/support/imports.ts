// Import specifiers of source files, as the workspace checks read them: static, type-only,
// re-exports, side-effect and dynamic imports alike (a type-only import still ties two modules).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** `import … from 'x'`, `export … from 'x'`, `import('x')` and `import 'x'`. */
const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;

/** Every .ts/.mts/.js/.mjs file under a directory (node_modules and dist excluded). */
export function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.(ts|mts|js|mjs)$/.test(name)) out.push(path);
  }
  return out;
}

/** The module specifiers a source text imports or re-exports. */
export function importSpecifiers(text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((match) => match[1] ?? match[2]!);
}

/** `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

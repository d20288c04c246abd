// Every package's source imports only what its own package.json declares. Hoisting in the workspace
// hides a missing declaration (the import resolves from the root node_modules), until the package is
// installed on its own or the root's devDependencies change.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { importSpecifiers, packageName, sourceFiles } from '../support/imports.ts';

const root = new URL('../../', import.meta.url).pathname;
const PACKAGES = readdirSync(join(root, 'packages'));

export function externalImports(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  const builtins = new Set(builtinModules);
  for (const file of sourceFiles(dir)) {
    const text = readFileSync(file, 'utf8');
    for (const specifier of importSpecifiers(text)) {
      if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
      const name = packageName(specifier);
      if (builtins.has(name)) continue;
      if (!found.has(name)) found.set(name, file.slice(root.length));
    }
  }
  return found;
}

for (const pkg of PACKAGES) {
  test(`${pkg}: every package imported by src/ is declared in its package.json`, () => {
    const dir = join(root, 'packages', pkg);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      name: string;
      dependencies?: Record<string, string>;
      peerDependencies?: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    const declared = new Set([
      manifest.name,
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
    ]);
    const missing = [...externalImports(join(dir, 'src'))].filter(([name]) => !declared.has(name));
    assert.deepEqual(
      missing.map(([name, file]) => `${name} (imported by ${file})`),
      [],
      'undeclared dependencies',
    );
  });
}

test('the import scanner sees static, type-only, re-export and dynamic imports', () => {
  const seen = externalImports(join(root, 'packages', 'vestibule', 'src'));
  // One of each kind, so a scanner that silently finds nothing cannot make the tests above pass.
  assert.ok(seen.has('undici'), 'static import');
  assert.ok(seen.has('hono'), 'type-only import (adapters/hono.ts)');
  assert.ok(
    externalImports(join(root, 'packages', 'cli', 'src')).has('@vestibule/demo-app'),
    'dynamic import (cli)',
  );
  assert.ok(!seen.has('fs') && !seen.has('crypto'), 'node built-ins are not packages');
});

test('every bin is a file in the repository, not a build output (npm links bins before `prepare` builds dist/)', () => {
  for (const pkg of PACKAGES) {
    const dir = join(root, 'packages', pkg);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      bin?: Record<string, string>;
    };
    for (const [name, target] of Object.entries(manifest.bin ?? {})) {
      assert.doesNotMatch(target, /(^|\/)dist\//, `${pkg}: bin ${name} points into dist/`);
      assert.ok(existsSync(join(dir, target)), `${pkg}: bin ${name} → ${target} is missing`);
    }
  }
});

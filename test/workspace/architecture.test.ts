// The architecture ARCHITECTURE.md draws, held against the code: no import cycle between source
// folders or files (type-only imports count: they tie two modules as firmly for a reader), no
// package reaching into another package's files instead of its exports, no source file over 400
// lines. Each check first proves on a made-up case that it can fail.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { importSpecifiers, packageName, sourceFiles } from '../support/imports.ts';

const root = resolve(import.meta.dirname, '..', '..');
const packagesDir = join(root, 'packages');
const PACKAGES = readdirSync(packagesDir).filter((name) =>
  existsSync(join(packagesDir, name, 'package.json')),
);
const MAX_LINES = 400;

type Graph = Map<string, Map<string, string>>; // node → (neighbour → a file that makes the edge)

/** Strongly connected components with more than one node (Tarjan): each one is a cycle. */
export function cyclesOf(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node)?.keys() ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

/** Relative imports of a package's src/, resolved to files: file → imported files. */
function fileImports(srcDir: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const file of sourceFiles(srcDir)) {
    const targets = importSpecifiers(readFileSync(file, 'utf8'))
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => resolve(dirname(file), specifier));
    out.set(file, targets);
  }
  return out;
}

function addEdge(graph: Graph, from: string, to: string, via: string): void {
  if (!graph.has(from)) graph.set(from, new Map());
  if (!graph.has(to)) graph.set(to, new Map());
  if (from !== to && !graph.get(from)!.has(to)) graph.get(from)!.set(to, via);
}

function describeCycle(graph: Graph, cycle: string[]): string {
  const members = new Set(cycle);
  const edges = cycle.flatMap((from) =>
    [...graph.get(from)!]
      .filter(([to]) => members.has(to))
      .map(([to, via]) => `${from} → ${to} (${via})`),
  );
  return edges.join('; ');
}

test('the cycle finder finds a cycle of folders and ignores a chain', () => {
  const graph: Graph = new Map();
  addEdge(graph, 'app', 'access', 'app/a.ts');
  addEdge(graph, 'access', 'lib', 'access/b.ts');
  assert.deepEqual(cyclesOf(graph), []);
  addEdge(graph, 'lib', 'app', 'lib/c.ts');
  assert.deepEqual(cyclesOf(graph), [['access', 'app', 'lib']]);
});

for (const pkg of PACKAGES) {
  const srcDir = join(packagesDir, pkg, 'src');
  const imports = fileImports(srcDir);
  const rel = (file: string) => relative(srcDir, file);

  test(`${pkg}: no import cycle between source folders (type-only imports count)`, () => {
    const folders: Graph = new Map();
    for (const [file, targets] of imports) {
      for (const target of targets) {
        addEdge(folders, dirname(rel(file)) || '.', dirname(rel(target)) || '.', rel(file));
      }
    }
    const cycles = cyclesOf(folders).map((cycle) => describeCycle(folders, cycle));
    assert.deepEqual(cycles, [], `folder cycles in packages/${pkg}/src`);
  });

  test(`${pkg}: no import cycle between source files`, () => {
    const files: Graph = new Map();
    for (const [file, targets] of imports) {
      for (const target of targets) addEdge(files, rel(file), rel(target), rel(file));
    }
    const cycles = cyclesOf(files).map((cycle) => describeCycle(files, cycle));
    assert.deepEqual(cycles, [], `file cycles in packages/${pkg}/src`);
  });

  test(`${pkg}: no source file over ${MAX_LINES} lines`, () => {
    const long = [...imports.keys()]
      .map((file) => ({ file: rel(file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > MAX_LINES)
      .map(({ file, lines }) => `${file}: ${lines} lines`);
    assert.deepEqual(long, []);
  });
}

/** A workspace package's public entry points: its exports map's keys as specifiers. */
function publicSpecifiers(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const pkg of PACKAGES) {
    const manifest = JSON.parse(readFileSync(join(packagesDir, pkg, 'package.json'), 'utf8')) as {
      name: string;
      exports?: Record<string, unknown>;
    };
    const keys = Object.keys(manifest.exports ?? {});
    out.set(manifest.name, new Set(keys.map((key) => join(manifest.name, key))));
  }
  return out;
}

/** What in a file reaches into another package instead of through its exports. */
export function internalReaches(
  file: string,
  ownPackageDir: string,
  specifiers: readonly string[],
  entries: Map<string, Set<string>>,
): string[] {
  const found: string[] = [];
  for (const specifier of specifiers) {
    if (specifier.startsWith('.')) {
      const target = resolve(dirname(file), specifier);
      const inPackages = relative(packagesDir, target);
      if (!inPackages.startsWith('..') && !target.startsWith(ownPackageDir + '/')) {
        found.push(`${specifier} (another package's file)`);
      }
      continue;
    }
    const allowed = entries.get(packageName(specifier));
    if (allowed && !allowed.has(specifier)) found.push(`${specifier} (not in its exports)`);
  }
  return found;
}

test('the internals check flags a relative path into another package and an unexported subpath', () => {
  const entries = new Map([['vestibule', new Set(['vestibule', 'vestibule/edge'])]]);
  const file = join(packagesDir, 'cli', 'src', 'up.ts');
  const own = join(packagesDir, 'cli');
  assert.deepEqual(
    internalReaches(file, own, ['vestibule/edge', './args.ts', 'node:fs'], entries),
    [],
  );
  assert.equal(
    internalReaches(file, own, ['../../vestibule/src/lib/errors.ts'], entries).length,
    1,
  );
  assert.equal(internalReaches(file, own, ['vestibule/src/lib/errors.ts'], entries).length, 1);
});

for (const pkg of PACKAGES) {
  test(`${pkg}: src and tests use other packages through their exports only`, () => {
    const entries = publicSpecifiers();
    const ownDir = join(packagesDir, pkg);
    const reaches = sourceFiles(ownDir).flatMap((file) =>
      internalReaches(file, ownDir, importSpecifiers(readFileSync(file, 'utf8')), entries).map(
        (what) => `${relative(root, file)}: ${what}`,
      ),
    );
    assert.deepEqual(reaches, []);
  });
}

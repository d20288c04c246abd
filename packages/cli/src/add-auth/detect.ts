// What `vestibule add-auth` learns about an app by reading it: the framework (from package.json),
// the entry file, whether it is ESM or CommonJS, and the routes it registers (static analysis of the entry for
// Express/Fastify/Hono, the `app/` and `pages/` directories for Next.js).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const FRAMEWORKS = ['express', 'fastify', 'hono', 'next', 'node'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export interface AppFacts {
  dir: string;
  framework: Framework;
  /** Relative to dir; undefined for Next.js (no single entry). */
  entry?: string;
  esm: boolean;
  routes: Array<{ method: string; path: string }>;
  port: number;
}

interface PackageJSON {
  type?: string;
  main?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

export function readPackageJSON(dir: string): PackageJSON {
  const path = join(dir, 'package.json');
  if (!existsSync(path))
    throw new Error(`no package.json in ${dir}: run add-auth in your app's directory`);
  return JSON.parse(readFileSync(path, 'utf8')) as PackageJSON;
}

export function detectFramework(pkg: PackageJSON): Framework {
  const deps = { ...pkg.dependencies, ...pkg.devDependencies };
  // Next.js apps often depend on others too; it decides the wiring, so it wins.
  for (const name of ['next', 'hono', 'fastify', 'express'] as const) if (deps[name]) return name;
  return 'node';
}

const ENTRY_CANDIDATES = [
  'server.js',
  'server.mjs',
  'server.cjs',
  'server.ts',
  'index.js',
  'index.mjs',
  'index.cjs',
  'index.ts',
  'app.js',
  'app.mjs',
  'app.ts',
  'src/server.ts',
  'src/index.ts',
  'src/app.ts',
  'src/server.js',
  'src/index.js',
];

function findEntry(dir: string, pkg: PackageJSON): string | undefined {
  const fromStart = /\bnode(?:\s+--\S+)*\s+(\S+\.[cm]?[jt]s)\b/.exec(pkg.scripts?.start ?? '')?.[1];
  for (const candidate of [fromStart, pkg.main, ...ENTRY_CANDIDATES]) {
    if (candidate && existsSync(join(dir, candidate))) return candidate.replace(/^\.\//, '');
  }
  return undefined;
}

/** `app.get('/notes/:id', …)` and `app.route({ method: 'GET', url: '/x' })`-less shorthand forms. */
export function routesInSource(source: string): Array<{ method: string; path: string }> {
  const found = new Map<string, { method: string; path: string }>();
  const call = /\b\w+\.(get|post|put|patch|delete|all)\(\s*(['"`])(\/[^'"`]*)\2/g;
  for (const m of source.matchAll(call)) {
    const method = m[1]!.toUpperCase();
    // A trailing `*` in the framework's path is "anything below"; a `:param` is one segment.
    const path = m[3]!.replace(/\/\*$/, '/**').replace(/:[A-Za-z_]\w*\??/g, '*');
    found.set(`${method} ${path}`, { method, path });
  }
  return [...found.values()];
}

/** Next.js: `app/notes/[id]/page.tsx` → /notes/*, `app/api/x/route.ts` → /api/x, `pages/a.tsx` → /a. */
export function nextRoutes(dir: string): Array<{ method: string; path: string }> {
  const routes: Array<{ method: string; path: string }> = [];
  const toPath = (segments: string[]) =>
    '/' +
    segments
      .filter((s) => !/^\(.*\)$/.test(s)) // route groups do not appear in the URL
      .map((s) => (/^\[\[?\.\.\./.test(s) ? '**' : /^\[.*\]$/.test(s) ? '*' : s))
      .join('/');
  const walk = (root: string, base: string) => {
    if (!existsSync(root)) return;
    for (const name of readdirSync(root)) {
      const path = join(root, name);
      if (statSync(path).isDirectory()) {
        if (!name.startsWith('_') && name !== 'node_modules') walk(path, base);
        continue;
      }
      const rel = relative(base, path).split(/[\\/]/);
      const file = rel.pop()!;
      if (base.endsWith('app') && /^(page|route)\.[jt]sx?$/.test(file))
        routes.push({ method: '*', path: toPath(rel) });
      if (base.endsWith('pages') && /\.[jt]sx?$/.test(file) && !file.startsWith('_')) {
        const stem = file.replace(/\.[jt]sx?$/, '');
        routes.push({ method: '*', path: toPath(stem === 'index' ? rel : [...rel, stem]) });
      }
    }
  };
  for (const base of ['app', 'src/app', 'pages', 'src/pages'])
    walk(join(dir, base), join(dir, base));
  return routes.map((r) => ({ ...r, path: r.path.replace(/\/+$/, '') || '/' }));
}

export function detectApp(dir: string, framework?: Framework): AppFacts {
  const pkg = readPackageJSON(dir);
  const chosen = framework ?? detectFramework(pkg);
  if (chosen === 'next') {
    return { dir, framework: chosen, esm: true, routes: nextRoutes(dir), port: 3000 };
  }
  const entry = findEntry(dir, pkg);
  if (!entry)
    throw new Error(`cannot find the app's entry file in ${dir}: set "main" in package.json`);
  const source = readFileSync(join(dir, entry), 'utf8');
  // .cjs/.cts are CommonJS whatever "type" says; .mjs/.mts ES modules; otherwise "type" decides,
  // and an `import` statement in a typeless .js (a bundler's or a loader's) counts as ES.
  const esm = /\.c[jt]s$/.test(entry)
    ? false
    : pkg.type === 'module' || /\.m?ts$|\.mjs$/.test(entry) || /^\s*import\s/m.test(source);
  const port = Number(/\.listen\(\s*(?:\{\s*port:\s*)?(\d{2,5})/.exec(source)?.[1] ?? 3000);
  return { dir, framework: chosen, entry, esm, routes: routesInSource(source), port };
}

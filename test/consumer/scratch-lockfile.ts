// A package-lock.json for a scratch app that installs our packed tarballs, derived from the
// monorepo's own lockfile, so `npm ci --offline` can install it from the npm cache alone.
//
// Why: `npm ci` in the monorepo caches every tarball (by integrity) but no registry metadata, so a
// plain `npm install --offline ./vestibule-0.1.0.tgz` cannot resolve the tarball's semver ranges
// (ENOTCACHED). A lockfile names exact versions and integrities: npm ci then only fetches
// tarballs, which the cache has. The scratch tree copies the monorepo's layout: an entry at
// `node_modules/x[/node_modules/y]` keeps its place, one nested under a workspace
// (`packages/identity-server/node_modules/ajv`) moves under that package's installed folder
// (`node_modules/@vestibule/identity-server/node_modules/ajv`), so every `require` resolves to the
// same version as in the monorepo, which the whole suite tests.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface LockEntry {
  name?: string;
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

export interface Tarball {
  /** Package name, e.g. `@vestibule/cli`. */
  name: string;
  /** Absolute path of the .tgz. */
  file: string;
  /** sha512 integrity as `npm pack --json` reports it. */
  integrity: string;
}

/**
 * The package.json and package-lock.json of a scratch app depending on `tarballs` (as `file:`
 * specs) and on `registryDeps` (names the monorepo's root lockfile resolves, e.g. express, next),
 * with the dependency closure of both copied from the monorepo's lockfile.
 */
export function scratchManifests(
  monorepoRoot: string,
  appName: string,
  tarballs: readonly Tarball[],
  registryDeps: readonly string[],
  /** npm's configured registry (`npm config get registry`), for the entries' tarball URLs. */
  registry: string,
): { packageJson: object; packageLock: object } {
  const mono = JSON.parse(readFileSync(join(monorepoRoot, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, LockEntry>;
  };
  const monoEntries = mono.packages;
  const monoRoot = monoEntries['']!;
  const byName = new Map(tarballs.map((t) => [t.name, t]));
  /** Monorepo workspace folder (`packages/cli`) → the scratch location of its tarball. */
  const workspaceHome = new Map<string, string>();
  for (const [location, entry] of Object.entries(monoEntries)) {
    if (!entry.link || !entry.resolved) continue;
    const name = location.slice('node_modules/'.length);
    if (byName.has(name)) workspaceHome.set(entry.resolved, location);
  }

  /** Where node would find `name` from a monorepo folder: its own node_modules, then each parent's. */
  const resolveFrom = (from: string, name: string): string | undefined => {
    for (let dir = from; ;) {
      const location = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
      if (monoEntries[location]) return location;
      if (!dir) return undefined;
      const cut = dir.lastIndexOf('/node_modules/');
      dir = cut >= 0 ? dir.slice(0, cut) : '';
    }
  };
  /** Monorepo location → scratch location (workspace folders become installed tarballs). */
  const toScratch = (location: string): string => {
    for (const [folder, home] of workspaceHome) {
      if (location === folder || location.startsWith(folder + '/')) {
        return home + location.slice(folder.length);
      }
    }
    return location;
  };

  const rootDeps: Record<string, string> = {};
  for (const t of tarballs) rootDeps[t.name] = `file:${t.file}`;
  for (const name of registryDeps) {
    const range = monoRoot.devDependencies?.[name] ?? monoRoot.dependencies?.[name];
    if (!range) throw new Error(`${name} is not a dependency of the monorepo's root package.json`);
    rootDeps[name] = range;
  }

  // Walk the graph from the root, following dependencies, optionalDependencies and non-optional
  // peers (npm installs those). `required` marks what is reachable without an optional edge; the
  // rest (platform binaries such as @next/swc-*) is flagged optional so npm ci may skip it.
  const required = new Map<string, boolean>(); // monorepo location → reached by a required chain
  const leftOut = new Map<string, string[]>(); // monorepo location → optional deps not in the lock
  const queue: Array<[from: string, name: string, isRequired: boolean]> = Object.keys(rootDeps).map(
    (name) => ['', name, true],
  );
  while (queue.length) {
    const [from, name, isRequired] = queue.shift()!;
    let location = resolveFrom(from, name);
    if (location && monoEntries[location]!.link) {
      location = monoEntries[location]!.resolved!;
      if (!workspaceHome.has(location))
        throw new Error(`${name} is a workspace package not packed here`);
    }
    if (!location || !monoEntries[location]) {
      if (isRequired)
        throw new Error(`${name} (needed from "${from}") is not in package-lock.json`);
      // An optional dependency the monorepo's lockfile does not list (another platform's binary
      // npm left out): drop it from the entry too, or npm ci reports the lockfile out of sync.
      leftOut.set(from, [...(leftOut.get(from) ?? []), name]);
      continue;
    }
    const seen = required.get(location);
    if (seen === true || (seen === false && !isRequired)) continue;
    required.set(location, isRequired);
    const entry = monoEntries[location]!;
    for (const dep of Object.keys(entry.dependencies ?? {}))
      queue.push([location, dep, isRequired]);
    for (const dep of Object.keys(entry.optionalDependencies ?? {}))
      queue.push([location, dep, false]);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) {
      if (!entry.peerDependenciesMeta?.[dep]?.optional) queue.push([location, dep, isRequired]);
    }
  }

  const packages: Record<string, LockEntry> = {
    '': { name: appName, version: '0.0.0', dependencies: rootDeps },
  };
  for (const [location, isRequired] of required) {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { dev, optional, devOptional, peer, devDependencies, ...entry } = monoEntries[location]!;
    const tarball = workspaceHome.has(location)
      ? byName.get(toScratch(location).slice('node_modules/'.length))
      : undefined;
    if (tarball) {
      Object.assign(entry, { resolved: `file:${tarball.file}`, integrity: tarball.integrity });
    } else if (!entry.resolved && entry.version) {
      // The monorepo's lockfile omits registry URLs (omit-lockfile-registry-resolved); without one
      // npm must fetch the package's metadata to find the tarball, which offline it may not have.
      // With a URL and the integrity, the tarball comes from the cache by its digest.
      const name = toScratch(location).replace(/^.*node_modules\//, '');
      const base = name.replace(/^@[^/]+\//, '');
      entry.resolved = `${registry.replace(/\/?$/, '/')}${name}/-/${base}-${entry.version}.tgz`;
    }
    for (const name of leftOut.get(location) ?? []) delete entry.optionalDependencies?.[name];
    packages[toScratch(location)] = isRequired ? entry : { ...entry, optional: true };
  }
  return {
    packageJson: {
      name: appName,
      version: '0.0.0',
      private: true,
      type: 'module',
      dependencies: rootDeps,
    },
    packageLock: { name: appName, version: '0.0.0', lockfileVersion: 3, requires: true, packages },
  };
}

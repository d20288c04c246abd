// Where the edge's store lives, parsed from `store.url`. Its own module, free of the store's drivers:
// login protection reads it at start to decide whether to open the store now (PostgreSQL) or on
// first use (PGlite), without loading Kysely, PGlite or pg (protection/setup.ts).

export type EdgeStoreTarget =
  { kind: 'memory' } | { kind: 'directory'; path: string } | { kind: 'url'; url: string };

/** `memory`, `pglite:<dir>` or a plain directory, or `postgres://…`. */
export function parseStoreTarget(value: string): EdgeStoreTarget {
  if (value === 'memory' || value === 'memory://') return { kind: 'memory' };
  if (/^postgres(ql)?:\/\//i.test(value)) return { kind: 'url', url: value };
  const path = value.startsWith('pglite:') ? value.slice('pglite:'.length) : value;
  if (!path) throw new TypeError('store: expected "memory", a directory, or a postgres:// URL');
  return { kind: 'directory', path };
}

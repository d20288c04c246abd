// Hydra's `strategies.scope` (fosite's scope strategies): does a list of registered (or granted)
// scopes allow one requested scope? Used for what a client may request, and for introspection's
// `scope` parameter against what a token was granted.

export type ScopeStrategyName = 'exact' | 'wildcard';
export type ScopeMatcher = (registered: readonly string[], requested: string) => boolean;

/** `exact`: the requested scope is one of the registered ones, `*` included literally. */
export function exactScopeMatch(registered: readonly string[], requested: string): boolean {
  return registered.includes(requested);
}

/**
 * `wildcard` (Hydra's default), fosite's semantics: scopes are split on `.`; a `*` segment
 * matches any one non-empty segment, and a trailing `*` also matches any number of further
 * segments (`notes.*` allows `notes.read` and `notes.read.own`, not `notes`). Without `*` it is
 * an exact match; `*` inside a segment (`note*`) is literal.
 */
export function wildcardScopeMatch(registered: readonly string[], requested: string): boolean {
  const wanted = requested.split('.');
  return registered.some((pattern) => {
    const parts = pattern.split('.');
    if (parts.length > wanted.length) return false;
    // Extra requested segments are covered only by a trailing `*`.
    if (parts.length < wanted.length && parts[parts.length - 1] !== '*') return false;
    return parts.every((part, i) => (part === '*' ? wanted[i] !== '' : part === wanted[i]));
  });
}

export function scopeMatcher(strategy: ScopeStrategyName): ScopeMatcher {
  return strategy === 'exact' ? exactScopeMatch : wildcardScopeMatch;
}

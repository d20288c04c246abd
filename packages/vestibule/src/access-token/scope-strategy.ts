// Does an access token's grant satisfy a rule's required scope? Hydra answers that question with its
// `strategies.scope` (fosite's scope strategies) whenever it compares scopes, introspection's
// `scope` parameter included — which is how Oathkeeper's `oauth2_introspection` checks
// `required_scope` by default. The edge decides from its cached grant instead of asking Hydra per
// request, so it must answer exactly as Hydra would: `hydra.scope_strategy` names the same
// strategy, and these are fosite's rules, case-sensitive throughout.
//
// The embedded OAuth2 server has its own copy for what a client may request
// (`@vestibule/oauth2-server`'s oauth2/scope-strategy.ts); both follow fosite and are pinned by the
// same table of cases in their tests.

export type ScopeStrategy = 'exact' | 'wildcard';

export const SCOPE_STRATEGIES: readonly ScopeStrategy[] = ['exact', 'wildcard'];

/** Hydra's default (`strategies.scope` in hydra.yml, and the embedded server's). */
export const DEFAULT_SCOPE_STRATEGY: ScopeStrategy = 'wildcard';

/** `exact` (fosite's ExactScopeStrategy): the required scope was granted by name; `*` is literal. */
export function exactScopeMatch(granted: readonly string[], required: string): boolean {
  return granted.includes(required);
}

/**
 * `wildcard` (fosite's WildcardScopeStrategy): scopes split on `.`; a granted `*` segment stands
 * for any one non-empty segment, and a trailing `*` also for any number of further segments — a
 * granted `notes.*` satisfies `notes.read` and `notes.read.own`, never `notes` itself. A granted
 * `notes` satisfies only `notes` (this is not Oathkeeper's `hierarchic`). Without a `*` segment it
 * is an exact match; a `*` inside a segment (`note*`) is literal.
 */
export function wildcardScopeMatch(granted: readonly string[], required: string): boolean {
  if (granted.includes(required)) return true;
  let wanted: string[] | undefined;
  for (const pattern of granted) {
    if (!pattern.includes('*')) continue;
    wanted ??= required.split('.');
    const parts = pattern.split('.');
    if (parts.length > wanted.length) continue;
    // More required segments than granted ones: only a trailing `*` covers the rest.
    if (parts.length < wanted.length && parts[parts.length - 1] !== '*') continue;
    if (parts.every((part, i) => (part === '*' ? wanted![i] !== '' : part === wanted![i]))) {
      return true;
    }
  }
  return false;
}

export function scopeMatcher(
  strategy: ScopeStrategy,
): (granted: readonly string[], required: string) => boolean {
  switch (strategy) {
    case 'exact':
      return exactScopeMatch;
    case 'wildcard':
      return wildcardScopeMatch;
  }
}

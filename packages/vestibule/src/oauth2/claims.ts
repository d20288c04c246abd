// What the consent step puts into the tokens, from the Kratos identity (as kratos-selfservice-ui-node
// does, shared/docs/hydra-keto-contract.md §1.8.3): per granted scope, `email` + `email_verified`
// (from the identity's verifiable email address) and `name`; and the login's acr/amr from the
// Kratos session (its AAL and authentication methods).
import type { KratosIdentity, KratosSession } from '../session/types.ts';

export function idTokenClaims(
  identity: KratosIdentity,
  grantedScope: readonly string[],
): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  const traits = identity.traits ?? {};
  if (grantedScope.includes('email')) {
    const address = identity.verifiable_addresses?.find((a) => a.via === 'email');
    const email = address?.value ?? (typeof traits.email === 'string' ? traits.email : undefined);
    if (email) {
      claims.email = email;
      claims.email_verified = address?.verified === true;
    }
  }
  if (grantedScope.includes('profile')) {
    const name = traits.name;
    if (typeof name === 'string' && name) claims.name = name;
    else if (name && typeof name === 'object') {
      const { first, last } = name as { first?: unknown; last?: unknown };
      const parts = [first, last].filter((p): p is string => typeof p === 'string' && p !== '');
      if (parts.length) claims.name = parts.join(' ');
      if (typeof first === 'string' && first) claims.given_name = first;
      if (typeof last === 'string' && last) claims.family_name = last;
    }
  }
  return claims;
}

/** acr/amr for Hydra's login accept: the session's AAL and the methods it was authenticated with. */
export function authenticationContext(session: KratosSession): { acr?: string; amr: string[] } {
  const methods = Array.isArray(session.authentication_methods)
    ? (session.authentication_methods as Array<{ method?: unknown }>)
        .map((m) => m.method)
        .filter((m): m is string => typeof m === 'string')
    : [];
  return {
    ...(session.authenticator_assurance_level
      ? { acr: session.authenticator_assurance_level }
      : {}),
    amr: [...new Set(methods)],
  };
}

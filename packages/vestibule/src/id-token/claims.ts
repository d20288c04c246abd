// Oathkeeper id_token claims → the one `User` shape. What the token holds depends on the rule's
// `claims` template; Ory's documented template puts the authenticator's session in a `session`
// claim (`{"session": {{ .Extra | toJson }}}`), which for `cookie_session` with the default
// `extra_from: "@this"` is Kratos's whoami session. `sub` is the subject (`identity.id` by default).
import type { JWTPayload } from 'jose';
import type { KratosSession } from '../session/types.ts';
import { emailOf, roleOf, type User } from '../session/user.ts';

export type ClaimsIdentity = { kind: 'user'; user: User } | { kind: 'anonymous' };

export interface ClaimsMapping {
  defaultRole: string;
  /** The subject of Oathkeeper's `anonymous` authenticator. Default "anonymous". */
  anonymousSubject: string;
}

export function identityFromClaims(claims: JWTPayload, mapping: ClaimsMapping): ClaimsIdentity {
  const sub: unknown = claims.sub;
  // The mutator's sub is the authenticated subject; empty (no subject) is nobody, like anonymous.
  if (typeof sub !== 'string' || !sub || sub === mapping.anonymousSubject) {
    return { kind: 'anonymous' };
  }
  const session = kratosSessionIn(claims.session);
  const email = stringClaim(claims.email) ?? (session ? emailOf(session) : null);
  const role =
    stringClaim(claims.role) ??
    (session ? roleOf(session, mapping.defaultRole) : mapping.defaultRole);
  return {
    kind: 'user',
    user: {
      id: sub,
      email,
      role,
      traits: session?.identity.traits ?? {},
      session,
    },
  };
}

/** The `session` claim when it has the shape of a Kratos session (an identity with traits). */
function kratosSessionIn(value: unknown): KratosSession | null {
  if (!value || typeof value !== 'object') return null;
  const identity = (value as { identity?: unknown }).identity;
  if (!identity || typeof identity !== 'object') return null;
  const { id, traits } = identity as { id?: unknown; traits?: unknown };
  if (typeof id !== 'string' || !traits || typeof traits !== 'object') return null;
  return value as KratosSession;
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.trim() ? value.trim() : null;
}

// The one shape apps see: `{ id, email, role, traits, session }`, whatever mode produced it.
import type { KratosSession } from './types.ts';

export interface User {
  /** The Kratos identity id (UUID). */
  id: string;
  email: string | null;
  /** From the synced profile when provisioning is on, else `metadata_public.role`, else the default. */
  role: string;
  /** Identity traits. Header mode carries only id/email/role, so traits are `{}` there. */
  traits: Record<string, unknown>;
  /** The full Kratos session in direct mode; null in header mode (the edge holds it). */
  session: KratosSession | null;
  /**
   * Set only when a Hydra access token authenticated the request: the scopes its user granted the
   * client (`id` is then the token's `sub`). Absent for Kratos sessions, which are not scoped.
   */
  scopes?: readonly string[];
}

/** A provisioning store (ensureUser) whose profile role wins over the session's. */
export interface ProfileSync {
  ensureUser(user: User): Promise<{ role: string }>;
}

export const DEFAULT_ROLE = 'user';

export function emailOf(session: KratosSession): string | null {
  const email = session.identity.traits.email;
  if (typeof email === 'string' && email) return email;
  const address = session.identity.verifiable_addresses?.find((a) => a.via === 'email' || !a.via);
  return address?.value ?? null;
}

/** `metadata_public.role` when it is a non-empty string; anything else is the default role. */
export function roleOf(session: KratosSession, defaultRole = DEFAULT_ROLE): string {
  const role = session.identity.metadata_public?.role;
  return typeof role === 'string' && role.trim() ? role.trim() : defaultRole;
}

export function userFromSession(session: KratosSession, defaultRole = DEFAULT_ROLE): User {
  return {
    id: session.identity.id,
    email: emailOf(session),
    role: roleOf(session, defaultRole),
    traits: session.identity.traits,
    session,
  };
}

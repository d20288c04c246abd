// The `revoke_active_sessions` hook (Kratos selfservice/hook/session_destroyer.go): after a
// successful recovery, or a password change in settings, every *other* session of the identity is
// revoked (RevokeSessionsIdentityExcept) — whoever held a stolen session or password loses it,
// while the session that just proved control of the account (the one recovery issued, or the
// current settings session) stays.
import type { ServerContext } from '../../driver/context.ts';
import type { Session } from '../../persistence/types.ts';

export const REVOKE_ACTIVE_SESSIONS = 'revoke_active_sessions';

/** Runs the hook when `hooks` lists it; `kept` is the session that survives. */
export async function destroyOtherSessions(
  ctx: ServerContext,
  hooks: readonly string[],
  kept: Session,
  after: 'recovery' | 'password change',
): Promise<void> {
  if (!hooks.includes(REVOKE_ACTIVE_SESSIONS)) return;
  const revoked = await ctx.persister.revokeSessionsOfIdentity(kept.identity_id, {
    exceptSessionId: kept.id,
  });
  ctx.log('info', `other sessions revoked after a ${after}`, {
    identity_id: kept.identity_id,
    revoked,
  });
}

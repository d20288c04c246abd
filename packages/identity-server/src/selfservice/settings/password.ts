// The `password` settings method (Kratos selfservice/strategy/password/settings.go): a privileged
// session is required first; the new password passes the policy (against the identifiers); then
// the `revoke_active_sessions` hook (after.password.hooks) ends every other session of the identity.
import type { ServerContext } from '../../driver/context.ts';
import type { Identity } from '../../persistence/types.ts';
import { afterHooks } from '../../config/hooks.ts';
import { destroyOtherSessions } from '../hook/session-destroyer.ts';
import { isPrivileged } from './access.ts';
import { afterSettingsSave, beforeSettingsSave } from './web-hooks.ts';
import { needsReauth, showProblems, showSuccess, type SettingsSubmission } from './respond.ts';
import { validationText } from '../../text/index.ts';

function withPassword(ctx: ServerContext, identity: Identity, hashed: string): Identity {
  const at = ctx.clock.now().toISOString();
  const schema = ctx.schemas.get(identity.schema_id) ?? ctx.schemas.get(ctx.schemas.defaultId);
  const identifiers = schema?.passwordIdentifiers(identity.traits) ?? [];
  const existing = identity.credentials.password;
  return {
    ...identity,
    credentials: {
      ...identity.credentials,
      password: {
        type: 'password',
        identifiers: existing?.identifiers.length ? existing.identifiers : identifiers,
        config: { ...(existing?.config ?? {}), hashed_password: hashed },
        version: existing?.version ?? 0,
        created_at: existing?.created_at ?? at,
        updated_at: at,
      },
    },
    updated_at: at,
  };
}

export async function updatePassword(s: SettingsSubmission): Promise<Response> {
  const { ctx, session } = s;
  if (!isPrivileged(ctx, session)) return needsReauth(s);
  const password = typeof s.body.password === 'string' ? s.body.password : '';
  if (!password)
    return showProblems(s, [{ name: 'password', message: validationText.required('password') }]);
  const identity = session.identity;
  const schema = ctx.schemas.get(identity.schema_id) ?? ctx.schemas.get(ctx.schemas.defaultId);
  const identifiers = schema?.passwordIdentifiers(identity.traits) ?? [];
  const problem = await ctx.passwordPolicy.check(password, identifiers);
  if (problem) return showProblems(s, [{ name: 'password', message: problem }]);

  const changed = withPassword(ctx, identity, await ctx.hasher.hash(password));
  const toSave = await beforeSettingsSave(s, 'password', changed);
  if (toSave instanceof Response) return toSave;
  await ctx.persister.updateIdentity(toSave);
  ctx.log('info', 'password changed', { identity_id: identity.id, flow_id: s.flow.id });
  const hooks = afterHooks(ctx.config, 'settings', 'password');
  await destroyOtherSessions(ctx, hooks, session.session, 'password change');
  // Web hooks only after the revocation: a failing or slow hook must not leave a stolen
  // session alive once the password it was obtained with has changed.
  await afterSettingsSave(s, 'password');
  return showSuccess(s, 'password');
}

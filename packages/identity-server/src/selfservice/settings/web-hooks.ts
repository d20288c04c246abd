// Settings' web hooks (Kratos settings/hook.go PostSettingsHook): hooks with can_interrupt or
// response.parse run on the updated identity before it is saved — an interruption shows the
// hook's messages on the flow; traits a hook changed are validated and applied again (identifiers,
// addresses) — and every other web hook runs once the identity is saved.
import { afterWebHooks } from '../../config/hooks.ts';
import type { Identity } from '../../persistence/types.ts';
import {
  runsBeforePersist,
  runWebHooks,
  WebHookInterrupted,
  type HookIdentityDraft,
} from '../hook/web-hook.ts';
import { applyTraits } from './identity-update.ts';
import { showProblems, type SettingsSubmission } from './respond.ts';

/** The identity to save after the pre-persist hooks, or the answer that stops the flow. */
export async function beforeSettingsSave(
  s: SettingsSubmission,
  method: 'profile' | 'password',
  identity: Identity,
): Promise<Identity | Response> {
  const { ctx } = s;
  const hooks = afterWebHooks(ctx.config, 'settings', method).filter(runsBeforePersist);
  if (hooks.length === 0) return identity;
  const draft: HookIdentityDraft = {
    traits: identity.traits,
    metadata_public: identity.metadata_public,
    metadata_admin: identity.metadata_admin,
  };
  try {
    await runWebHooks(ctx, hooks, draft);
  } catch (err) {
    if (err instanceof WebHookInterrupted) return showProblems(s, err.problems, identity.traits);
    throw err;
  }
  let updated = identity;
  if (draft.traits !== identity.traits) {
    const schema = ctx.schemas.get(identity.schema_id) ?? ctx.schemas.get(ctx.schemas.defaultId);
    if (!schema) throw new Error(`identity schema "${identity.schema_id}" is not loaded`);
    const problems = schema.validateTraits(draft.traits);
    if (problems.length) return showProblems(s, problems, draft.traits);
    updated = applyTraits(ctx, identity, schema, draft.traits).identity;
  }
  return {
    ...updated,
    metadata_public: draft.metadata_public,
    metadata_admin: draft.metadata_admin,
  };
}

/** The web hooks Kratos runs after the settings change is saved (a failure fails the flow). */
export function afterSettingsSave(s: SettingsSubmission, method: 'profile' | 'password') {
  const hooks = afterWebHooks(s.ctx.config, 'settings', method);
  return runWebHooks(
    s.ctx,
    hooks.filter((hook) => !runsBeforePersist(hook)),
  );
}

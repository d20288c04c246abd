// Registration's pre-persist web hooks (Kratos registration/hook.go PostRegistrationHook): hooks
// with can_interrupt or response.parse run on the identity before it is saved; an interruption
// shows the hook's messages on the flow, and traits a hook changed are validated again (Kratos
// runs the identity validator after the pre-persist hooks).
import { afterWebHooks } from '../../config/hooks.ts';
import type { IdentitySchema, UIText } from '../../driver/context.ts';
import type { Submission } from '../flow/submit.ts';
import { validationText } from '../../text/index.ts';
import {
  runsBeforePersist,
  runWebHooks,
  WebHookInterrupted,
  type HookIdentityDraft,
} from '../hook/web-hook.ts';

type Problems = Array<{ name: string; message: UIText }>;

export async function hookedTraits(
  s: Submission,
  schema: IdentitySchema,
  traits: Record<string, unknown>,
): Promise<{ draft: HookIdentityDraft } | { traits: Record<string, unknown>; problems: Problems }> {
  const hooks = afterWebHooks(s.ctx.config, 'registration', 'password').filter(runsBeforePersist);
  const draft: HookIdentityDraft = { traits, metadata_public: null, metadata_admin: null };
  if (hooks.length === 0) return { draft };
  try {
    await runWebHooks(s.ctx, hooks, draft);
  } catch (err) {
    if (err instanceof WebHookInterrupted) return { traits, problems: err.problems };
    throw err;
  }
  if (draft.traits !== traits) {
    const problems = schema.validateTraits(draft.traits);
    if (problems.length) return { traits: draft.traits, problems };
    // The password credential needs an identifier in the new traits too.
    if (schema.passwordIdentifiers(draft.traits).length === 0) {
      return {
        traits: draft.traits,
        problems: [{ name: '', message: validationText.noIdentifiers() }],
      };
    }
  }
  return { draft };
}

// After-hooks that may interrupt a submit (web_hook with can_interrupt / response.parse): the
// hook's messages land on the flow's nodes (or ui.messages), as Kratos's flow.HandleHookError.
import type { WebHookConfig } from '../../config/web-hooks.ts';
import { runWebHooks, WebHookInterrupted, type HookIdentityDraft } from '../hook/web-hook.ts';
import { attachMessage, resetMessages, uiOf } from '../../ui/container.ts';
import { saveAndRespond } from './respond.ts';
import type { Submission } from './submission.ts';

/** Runs `hooks`; an interruption answers with the flow and its messages, else undefined. */
export async function runHooksOnFlow(
  s: Submission,
  hooks: readonly WebHookConfig[],
  identity?: HookIdentityDraft,
): Promise<Response | undefined> {
  if (hooks.length === 0) return undefined;
  try {
    await runWebHooks(s.ctx, hooks, identity);
    return undefined;
  } catch (err) {
    if (!(err instanceof WebHookInterrupted)) throw err;
    resetMessages(s.flow);
    const ui = uiOf(s.flow);
    for (const problem of err.problems) attachMessage(ui, problem.name, problem.message);
    return saveAndRespond(s.ctx, s.request, s.flow);
  }
}

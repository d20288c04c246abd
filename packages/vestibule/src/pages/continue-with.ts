// `continue_with` tells a UI where to go once a flow has succeeded (after recovery: the settings flow
// to set a new password; after registration: verification). Ory's SDK orders the actions
// (`pickBestContinueWith`: show_settings_ui, show_recovery_ui, show_verification_ui,
// redirect_browser_to, set_ory_session_token); we use it, after dropping actions it does not rank.
import type { ContinueWith } from '@ory/client-fetch';
import { loadOrySDK } from './ory-sdk.ts';
import type { FlowType, RawFlow } from './ui/flow-types.ts';
import type { Routes } from './routes.ts';

const KNOWN = new Set([
  'show_settings_ui',
  'show_recovery_ui',
  'show_verification_ui',
  'redirect_browser_to',
]);
const UI_ACTIONS: Record<string, FlowType> = {
  show_settings_ui: 'settings',
  show_recovery_ui: 'recovery',
  show_verification_ui: 'verification',
};
/** Only a finished flow is continued; a form still being filled in is rendered. */
const DONE_STATES = new Set(['passed_challenge', 'success']);

export async function continueWithTarget(
  flow: RawFlow,
  current: { flowType: FlowType; routes: Routes; toSameOrigin: (url: string) => string },
): Promise<string | undefined> {
  if (!DONE_STATES.has(String(flow.state)) || !Array.isArray(flow.continue_with)) return undefined;
  const candidates = flow.continue_with.filter(
    (c): c is ContinueWith =>
      typeof c === 'object' && c !== null && KNOWN.has((c as { action?: string }).action ?? ''),
  );
  const { pickBestContinueWith } = await loadOrySDK();
  const best = pickBestContinueWith([...candidates]) as
    { action: string; flow?: { id?: unknown }; redirect_browser_to?: unknown } | undefined;
  if (!best) return undefined;
  let target: string | undefined;
  const uiFlow = UI_ACTIONS[best.action];
  if (uiFlow && typeof best.flow?.id === 'string') {
    // Our own page rather than `flow.url`: the pages are the UI, and this can never leave the origin.
    target = current.routes.page(uiFlow, { flow: best.flow.id });
  } else if (
    best.action === 'redirect_browser_to' &&
    typeof best.redirect_browser_to === 'string'
  ) {
    target = current.toSameOrigin(best.redirect_browser_to);
  }
  // Kratos points a saved settings flow back at itself ("Your changes have been saved!"): following
  // that would loop, so the flow is rendered instead.
  if (!target || pointsAtFlow(target, flow.id)) return undefined;
  return target;
}

/** Whatever path Kratos's ui_url has, a target carrying this flow's own id is this page. */
function pointsAtFlow(target: string, flowId: string): boolean {
  try {
    return new URL(target, 'http://same.origin').searchParams.get('flow') === flowId;
  } catch {
    return false;
  }
}

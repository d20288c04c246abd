// The raw shapes of Kratos flow JSON that the pages read. Deliberately loose: pages render from the raw
// JSON (the generated SDK models drop fields they do not know), so every field is checked before use.

/** A Kratos UI text (`uiText`): a stable numeric id, Kratos's English text, and interpolation context. */
export interface UIText {
  id?: number;
  text?: string;
  type?: string;
  context?: Record<string, unknown>;
}

export interface UINode {
  type: string;
  group: string;
  attributes: Record<string, unknown>;
  messages?: UIText[];
  meta?: { label?: UIText };
}

export interface RawFlow {
  id: string;
  type?: string;
  state?: string;
  return_to?: string;
  refresh?: boolean;
  requested_aal?: string;
  ui: { action: string; method: string; nodes: UINode[]; messages?: UIText[] };
  continue_with?: unknown[];
  [key: string]: unknown;
}

export const FLOW_TYPES = [
  'login',
  'registration',
  'recovery',
  'verification',
  'settings',
] as const;
export type FlowType = (typeof FLOW_TYPES)[number];

/** Narrows untrusted JSON to a flow we can render; anything else is treated as a Kratos bad response. */
export function isRenderableFlow(value: unknown): value is RawFlow {
  if (typeof value !== 'object' || value === null) return false;
  const flow = value as { id?: unknown; ui?: unknown };
  if (typeof flow.id !== 'string' || typeof flow.ui !== 'object' || flow.ui === null) return false;
  const ui = flow.ui as { action?: unknown; nodes?: unknown };
  return (
    typeof ui.action === 'string' &&
    Array.isArray(ui.nodes) &&
    ui.nodes.every(
      (n) =>
        typeof n === 'object' &&
        n !== null &&
        typeof (n as UINode).type === 'string' &&
        typeof (n as UINode).attributes === 'object' &&
        (n as UINode).attributes !== null,
    )
  );
}

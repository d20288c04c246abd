// A flow's `ui` container (Kratos ui/container): its nodes and messages, and the few edits flows
// make to it between renders.
import type { FlowRecord } from '../persistence/types.ts';
import type { UIText } from '../text/index.ts';
import type { UINode } from './node.ts';

export interface UIContainer {
  nodes: UINode[];
  messages?: UIText[];
}

export function uiOf(flow: FlowRecord): UIContainer {
  const ui = flow.body.ui as UIContainer;
  // A flow created without nodes (`nodes: null`, login stepping up to aal2) gains a list once
  // something is added to it.
  if (!Array.isArray(ui.nodes)) ui.nodes = [];
  return ui;
}

/** Clears messages from a previous submit (Kratos: f.UI.ResetMessages()). */
export function resetMessages(flow: FlowRecord): void {
  const ui = uiOf(flow);
  delete ui.messages;
  for (const node of ui.nodes) node.messages = [];
}

export function addFlowMessage(flow: FlowRecord, message: UIText): void {
  const ui = uiOf(flow);
  ui.messages = [...(ui.messages ?? []), message];
}

export function setNodeValue(flow: FlowRecord, name: string, value: unknown): void {
  const node = uiOf(flow).nodes.find((n) => n.attributes.name === name);
  if (node) node.attributes.value = value;
}

/** Copies `message` onto the node called `name`, or onto ui.messages when there is none. */
export function attachMessage(ui: UIContainer, name: string, message: UIText): void {
  const node = name ? ui.nodes.find((n) => n.attributes.name === name) : undefined;
  if (node) node.messages.push(message);
  else ui.messages = [...(ui.messages ?? []), message];
}

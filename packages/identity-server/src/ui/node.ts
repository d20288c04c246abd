// UI nodes (Kratos ui/node): the node shape and the generic builders every flow uses. Attribute
// order follows the recorded Kratos responses in shared/ory/elements/flows so diffs stay readable.
import type { UIText } from '../text/index.ts';

export interface UINode {
  type: 'input' | 'text' | 'img' | 'a' | 'script' | 'div';
  group: string;
  attributes: Record<string, unknown>;
  messages: UIText[];
  meta: { label?: UIText };
}

export function inputNode(
  group: string,
  attributes: Record<string, unknown>,
  label?: UIText,
): UINode {
  return {
    type: 'input',
    group,
    attributes: { ...attributes, disabled: false, node_type: 'input' },
    messages: [],
    meta: label ? { label } : {},
  };
}

export function csrfNode(masked: string): UINode {
  return inputNode('default', {
    name: 'csrf_token',
    type: 'hidden',
    value: masked,
    required: true,
  });
}

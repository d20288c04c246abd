// UI node builders shared by the flows (Kratos ui/node). Attribute order follows the recorded
// Kratos responses in shared/ory/elements/flows so diffs against them stay readable.
import type { IdentitySchema, UINode, UIText } from '../context.ts';
import { messages } from './messages.ts';

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

export function passwordNode(autocomplete: 'current-password' | 'new-password'): UINode {
  return inputNode(
    'password',
    { name: 'password', type: 'password', required: true, autocomplete },
    messages.passwordLabel(),
  );
}

export function submitNode(label: UIText): UINode {
  return inputNode('password', { name: 'method', type: 'submit', value: 'password' }, label);
}

interface IdentifierTrait {
  path: string;
  title?: string;
}

/** Traits marked `ory.sh/kratos.credentials.password.identifier`, in schema order. */
export function passwordIdentifierTraits(schema: IdentitySchema | undefined): IdentifierTrait[] {
  const out: IdentifierTrait[] = [];
  const traits = (schema?.raw as { properties?: { traits?: unknown } } | undefined)?.properties
    ?.traits;
  const walk = (node: unknown, path: string) => {
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    const ext = record['ory.sh/kratos'] as
      { credentials?: { password?: { identifier?: unknown } } } | undefined;
    if (ext?.credentials?.password?.identifier === true) {
      out.push({ path, ...(typeof record.title === 'string' ? { title: record.title } : {}) });
    }
    const props = record.properties;
    if (typeof props === 'object' && props !== null) {
      for (const [key, child] of Object.entries(props)) walk(child, `${path}.${key}`);
    }
  };
  walk(traits, 'traits');
  return out;
}

/** Login `identifier` label: the identifier trait's title (1070002), or "ID" (1070004) when ambiguous. */
export function identifierLabel(schema: IdentitySchema | undefined): UIText {
  const identifiers = passwordIdentifierTraits(schema);
  if (identifiers.length === 1 && identifiers[0]!.title) {
    return messages.traitLabel(identifiers[0]!.title, identifiers[0]!.path);
  }
  return messages.idLabel();
}

/** Copies `messages` onto the node called `name`, or onto ui.messages when there is none. */
export function attachMessage(
  ui: { nodes: UINode[]; messages?: UIText[] },
  name: string,
  message: UIText,
): void {
  const node = name ? ui.nodes.find((n) => n.attributes.name === name) : undefined;
  if (node) node.messages.push(message);
  else ui.messages = [...(ui.messages ?? []), message];
}

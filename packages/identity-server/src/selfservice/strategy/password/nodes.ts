// The password method's nodes (Kratos selfservice/strategy/password): the password input, its
// submit button, and the login `identifier` label taken from the schema's identifier traits.
import type { IdentitySchema } from '../../../driver/context.ts';
import { nodeText, type UIText } from '../../../text/index.ts';
import { inputNode, type UINode } from '../../../ui/node.ts';

export function passwordNode(autocomplete: 'current-password' | 'new-password'): UINode {
  return inputNode(
    'password',
    { name: 'password', type: 'password', required: true, autocomplete },
    nodeText.passwordLabel(),
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
    return nodeText.generatedLabel(identifiers[0]!.title, identifiers[0]!.path);
  }
  return nodeText.idLabel();
}

// The identifier-first login method's nodes (Kratos selfservice/strategy/idfirst): the first screen
// is the identifier alone with a "Continue" button, both in the `identifier_first` group; the
// second screen keeps the identifier as a hidden node of that group and adds the credentials
// (Kratos's TestFormHydration snapshots give the order and attributes).
import type { IdentitySchema } from '../../../driver/context.ts';
import { loginText, nodeText } from '../../../text/index.ts';
import { csrfNode, inputNode, type UINode } from '../../../ui/node.ts';
import { identifierLabel, passwordNode, submitNode } from '../password/nodes.ts';

export const IDENTIFIER_FIRST = 'identifier_first';

function identifierNode(
  schema: IdentitySchema | undefined,
  type: 'text' | 'hidden',
  value: string,
): UINode {
  return inputNode(
    IDENTIFIER_FIRST,
    { name: 'identifier', type, value, required: true, autocomplete: 'username webauthn' },
    identifierLabel(schema),
  );
}

/** The first screen: CSRF, the identifier, "Continue" (method=identifier_first, 1070009). */
export function identificationNodes(
  schema: IdentitySchema | undefined,
  options: { csrfMasked: string; identifier?: string },
): UINode[] {
  return [
    csrfNode(options.csrfMasked),
    identifierNode(schema, 'text', options.identifier ?? ''),
    inputNode(
      IDENTIFIER_FIRST,
      { name: 'method', type: 'submit', value: IDENTIFIER_FIRST },
      nodeText.continueLabel(),
    ),
  ];
}

/**
 * The second screen: the identifier carried hidden, then the password method's nodes. Kratos's
 * password strategy shows them when the identity has a password or when account enumeration is
 * mitigated (then an unknown identifier gets this very screen).
 */
export function credentialNodes(
  schema: IdentitySchema | undefined,
  options: { csrfMasked: string; identifier: string },
): UINode[] {
  return [
    csrfNode(options.csrfMasked),
    identifierNode(schema, 'hidden', options.identifier),
    passwordNode('current-password'),
    submitNode(loginText.loginWithPassword()),
  ];
}

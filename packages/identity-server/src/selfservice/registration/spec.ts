// The registration flow's nodes (Kratos selfservice/strategy/password/registration.go): the CSRF
// token, the identity schema's traits in schema order, the password right after the identifier
// traits (as in the recorded registration/one-step/password/initial-form.json), and "Sign up".
import type { ServerContext, UINode } from '../../driver/context.ts';
import type { FlowKindSpec, FlowSetup } from '../flow/init.ts';
import { alreadyLoggedIn } from '../login/spec.ts';
import { csrfNode } from '../../ui/node.ts';
import { passwordIdentifierTraits, passwordNode, submitNode } from '../strategy/password/nodes.ts';
import { registrationText } from '../../text/index.ts';

export function registrationNodes(
  ctx: ServerContext,
  options: { csrfMasked?: string; values?: Record<string, unknown> },
): UINode[] {
  const schema = ctx.schemas.get(ctx.schemas.defaultId);
  const traits = schema
    ? schema.traitNodes({ group: 'default', ...(options.values ? { values: options.values } : {}) })
    : [];
  const identifiers = new Set(passwordIdentifierTraits(schema).map((t) => t.path));
  let lastIdentifier = -1;
  traits.forEach((node, i) => {
    if (identifiers.has(String(node.attributes.name))) lastIdentifier = i;
  });
  // Kratos puts the csrf_token node on every flow; API flows carry it with an empty value.
  const nodes: UINode[] = [csrfNode(options.csrfMasked ?? '')];
  const cut = lastIdentifier >= 0 ? lastIdentifier + 1 : traits.length;
  nodes.push(...traits.slice(0, cut), passwordNode('new-password'), ...traits.slice(cut));
  nodes.push(submitNode(registrationText.registrationButton()));
  return nodes;
}

function setup(ctx: ServerContext, options: { csrfMasked?: string }): FlowSetup {
  return {
    nodes: registrationNodes(ctx, options),
    extra: {},
  };
}

export const registrationSpec: FlowKindSpec = {
  kind: 'registration',
  refuseWithSession: () => alreadyLoggedIn('registration'),
  setup,
};

// Settings UI nodes as Kratos renders them (shared/ory/elements/flows/settings/all-methods/*.json):
// the CSRF token, the `profile` group (every trait, then "Save"), the `password` group.
import type { ServerContext, UINode } from '../../driver/context.ts';
import type { Identity } from '../../persistence/types.ts';
import { csrfNode, inputNode } from '../../ui/node.ts';
import { passwordNode } from '../strategy/password/nodes.ts';
import { nodeText } from '../../text/index.ts';

export function settingsNodes(
  ctx: ServerContext,
  identity: Identity,
  options: { csrfMasked?: string; traits?: Record<string, unknown> },
): UINode[] {
  const schema = ctx.schemas.get(identity.schema_id) ?? ctx.schemas.get(ctx.schemas.defaultId);
  // Kratos puts the csrf_token node on every flow; API flows carry it with an empty value.
  const nodes: UINode[] = [csrfNode(options.csrfMasked ?? '')];
  const { methods } = ctx.config.selfservice;
  if (methods.profile.enabled && schema) {
    nodes.push(
      ...schema.traitNodes({ group: 'profile', values: options.traits ?? identity.traits }),
    );
    nodes.push(
      inputNode(
        'profile',
        { name: 'method', type: 'submit', value: 'profile' },
        nodeText.saveLabel(),
      ),
    );
  }
  if (methods.password.enabled) {
    nodes.push(passwordNode('new-password'));
    nodes.push(
      inputNode(
        'password',
        { name: 'method', type: 'submit', value: 'password' },
        nodeText.saveLabel(),
      ),
    );
  }
  return nodes;
}

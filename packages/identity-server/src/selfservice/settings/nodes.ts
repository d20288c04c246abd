// Settings UI nodes as Kratos renders them (shared/ory/elements/flows/settings/all-methods/*.json):
// the CSRF token, the `profile` group (every trait, then "Save"), the `password` group.
import type { ServerContext, UINode } from '../../context.ts';
import type { Identity } from '../../persistence/types.ts';
import { csrfNode, inputNode, passwordNode } from '../nodes.ts';
import { texts } from '../recovery/texts.ts';

export function settingsNodes(
  ctx: ServerContext,
  identity: Identity,
  options: { csrfMasked?: string; traits?: Record<string, unknown> },
): UINode[] {
  const schema = ctx.schemas.get(identity.schema_id) ?? ctx.schemas.get(ctx.schemas.defaultId);
  const nodes: UINode[] = options.csrfMasked ? [csrfNode(options.csrfMasked)] : [];
  const { methods } = ctx.config.selfservice;
  if (methods.profile.enabled && schema) {
    nodes.push(
      ...schema.traitNodes({ group: 'profile', values: options.traits ?? identity.traits }),
    );
    nodes.push(
      inputNode('profile', { name: 'method', type: 'submit', value: 'profile' }, texts.saveLabel()),
    );
  }
  if (methods.password.enabled) {
    nodes.push(passwordNode('new-password'));
    nodes.push(
      inputNode(
        'password',
        { name: 'method', type: 'submit', value: 'password' },
        texts.saveLabel(),
      ),
    );
  }
  return nodes;
}

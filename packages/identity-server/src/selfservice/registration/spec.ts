// The registration flow's nodes (Kratos selfservice/strategy/password/registration.go): the CSRF
// token, the identity schema's traits in schema order, the password right after the identifier
// traits (as in the recorded registration/one-step/password/initial-form.json), and "Sign up".
import type { ServerContext, UINode } from '../../driver/context.ts';
import type { FlowRecord } from '../../persistence/types.ts';
import type { FlowKindSpec, FlowSetup } from '../flow/init.ts';
import { alreadyLoggedIn } from '../login/spec.ts';
import { csrfNode, inputNode } from '../../ui/node.ts';
import { passwordIdentifierTraits, passwordNode, submitNode } from '../strategy/password/nodes.ts';
import { registrationText } from '../../text/index.ts';

/**
 * Which form a registration flow shows. With `style: profile_first` (Kratos's default) a new flow
 * is the `profile` screen (the traits and a `method=profile` button); a valid profile submit leads
 * to the `credentials` screen (the traits hidden, the password, a "Back" button and message
 * 1040009). `unified` is the one-step form of traits and password.
 */
export type RegistrationScreen = 'profile' | 'credentials' | 'unified';

export function firstScreen(ctx: ServerContext): RegistrationScreen {
  return ctx.config.selfservice.flows.registration.style === 'unified' ? 'unified' : 'profile';
}

/** The screen a stored flow shows (kept in its internal state; new flows show the first one). */
export function screenOf(ctx: ServerContext, flow: FlowRecord): RegistrationScreen {
  const screen = flow.internal.screen;
  return screen === 'profile' || screen === 'credentials' || screen === 'unified'
    ? screen
    : firstScreen(ctx);
}

export function registrationNodes(
  ctx: ServerContext,
  options: { csrfMasked?: string; values?: Record<string, unknown>; screen?: RegistrationScreen },
): UINode[] {
  const screen = options.screen ?? firstScreen(ctx);
  const schema = ctx.schemas.get(ctx.schemas.defaultId);
  const traits = schema
    ? schema.traitNodes({ group: 'default', ...(options.values ? { values: options.values } : {}) })
    : [];
  // Kratos puts the csrf_token node on every flow; API flows carry it with an empty value.
  const nodes: UINode[] = [csrfNode(options.csrfMasked ?? '')];
  if (screen === 'profile') {
    nodes.push(...traits, profileSubmitNode());
    return nodes;
  }
  if (screen === 'credentials') {
    for (const node of traits) node.attributes.type = 'hidden';
  }
  const identifiers = new Set(passwordIdentifierTraits(schema).map((t) => t.path));
  let lastIdentifier = -1;
  traits.forEach((node, i) => {
    if (identifiers.has(String(node.attributes.name))) lastIdentifier = i;
  });
  const cut = lastIdentifier >= 0 ? lastIdentifier + 1 : traits.length;
  nodes.push(...traits.slice(0, cut), passwordNode('new-password'), ...traits.slice(cut));
  nodes.push(submitNode(registrationText.registrationButton()));
  if (screen === 'credentials') {
    nodes.push(
      inputNode(
        'profile',
        { name: 'screen', type: 'submit', value: 'previous' },
        registrationText.registrationBack(),
      ),
    );
  }
  return nodes;
}

/** Kratos strategy/profile: the profile screen's "Sign up" button. */
function profileSubmitNode(): UINode {
  return inputNode(
    'profile',
    { name: 'method', type: 'submit', value: 'profile' },
    registrationText.registrationButton(),
  );
}

/**
 * Where a field named in an error has no node on the screen shown (the password on the profile
 * screen, the whole `traits` object), Kratos adds a plain text node in the default group to carry
 * the message: the password after the identifier traits, anything else at the end of the group
 * (shared/ory/kratos/transcripts/registration-api.json).
 */
export function nodeForMessage(ctx: ServerContext, nodes: UINode[], name: string): UINode {
  const existing = nodes.find((n) => n.attributes.name === name);
  if (existing) return existing;
  const node = inputNode('default', { name, type: 'text' });
  const defaults = nodes.map((n, i) => (n.group === 'default' ? i : -1)).filter((i) => i >= 0);
  let at = (defaults.at(-1) ?? -1) + 1;
  if (name === 'password') {
    const schema = ctx.schemas.get(ctx.schemas.defaultId);
    const identifiers = new Set(passwordIdentifierTraits(schema).map((t) => t.path));
    const last = nodes.findLastIndex((n) => identifiers.has(String(n.attributes.name)));
    if (last >= 0) at = last + 1;
  }
  nodes.splice(at, 0, node);
  return node;
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

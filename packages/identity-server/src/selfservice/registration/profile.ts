// The profile method of a `style: profile_first` registration (Kratos strategy/profile): the
// profile screen posts `method=profile` with the traits; valid traits lead to the credential
// screen (traits hidden, the password, "Back", message 1040009), and `screen=previous` goes back.
// Either way the flow is answered as a flow is after a submit that did not finish it: JSON clients
// get 400 with the flow, form posts a redirect to the UI (shared/ory/kratos/transcripts/
// registration-browser-profile-first.json and registration-api.json record both).
import { saveAndRespond } from '../flow/respond.ts';
import type { Submission } from '../flow/submit.ts';
import { registrationText } from '../../text/index.ts';
import { addFlowMessage, resetMessages, uiOf } from '../../ui/container.ts';
import { nodeForMessage, registrationNodes, type RegistrationScreen } from './spec.ts';

const asTraits = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

export async function submitRegistrationProfile(s: Submission): Promise<Response> {
  const { ctx, flow, body } = s;
  const schema = ctx.schemas.get(ctx.schemas.defaultId);
  if (!schema) throw new Error(`identity schema "${ctx.schemas.defaultId}" is not loaded`);
  const traits = asTraits(body.traits);
  const back = body.screen === 'previous';
  const problems = back ? [] : schema.validateTraits(body.traits ?? {});
  const screen: RegistrationScreen = back || problems.length ? 'profile' : 'credentials';

  resetMessages(flow);
  const ui = uiOf(flow);
  const csrfMasked = flow.type === 'browser' ? s.csrf.remask(flow.csrf_token) : undefined;
  ui.nodes = registrationNodes(ctx, {
    ...(csrfMasked ? { csrfMasked } : {}),
    values: traits,
    screen,
  });
  for (const problem of problems) {
    nodeForMessage(ctx, ui.nodes, problem.name).messages.push(problem.message);
  }
  if (screen === 'credentials')
    addFlowMessage(flow, registrationText.registrationChooseCredentials());
  flow.internal.screen = screen;
  // The submitted transient_payload comes back with the credential screen (not stored).
  return saveAndRespond(ctx, s.request, flow, 400, {
    ...(back ? {} : { transientPayload: body.transient_payload }),
  });
}

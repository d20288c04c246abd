// The password registration method (Kratos strategy/password/registration.go + the registration
// hook executor): validate traits and password, create the identity, then run the configured
// after-password hooks — with `session`, the new identity is signed in at once.
import type { IdentitySchema, UIText } from '../../driver/context.ts';
import { DuplicateCredentialsError } from '../../persistence/types.ts';
import { issueSession } from '../../session/manager.ts';
import { saveAndRespond } from '../flow/respond.ts';
import { rejectWithMessage, type Submission } from '../flow/submit.ts';
import { successResponse } from '../flow/success.ts';
import { challengeOfFlow } from '../flow/oauth2-login.ts';
import { showsVerificationUI, startVerification } from '../verification/hooks.ts';
import { afterWebHooks, registrationAfterHooks } from '../../config/hooks.ts';
import { hookedTraits } from './web-hooks.ts';
import { runsBeforePersist, runWebHooks } from '../hook/web-hook.ts';
import { newPasswordIdentity } from './identity.ts';
import { nodeForMessage, registrationNodes, screenOf } from './spec.ts';
import { resetMessages, uiOf, attachMessage } from '../../ui/container.ts';
import { registrationText, validationText } from '../../text/index.ts';

class FlowAlreadyConsumed extends Error {}

const asTraits = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

/** Re-renders the nodes with the submitted trait values (never the password) and the problems. */
function showProblems(
  s: Submission,
  traits: Record<string, unknown>,
  problems: Array<{ name: string; message: UIText }>,
): Promise<Response> {
  const { ctx, flow } = s;
  resetMessages(flow);
  const csrfMasked = flow.type === 'browser' ? s.csrf.remask(flow.csrf_token) : undefined;
  const ui = uiOf(flow);
  // The screen the flow is on is shown again, with the submitted values and the problems.
  ui.nodes = registrationNodes(ctx, {
    ...(csrfMasked ? { csrfMasked } : {}),
    values: traits,
    screen: screenOf(ctx, flow),
  });
  for (const problem of problems) {
    if (problem.name) nodeForMessage(ctx, ui.nodes, problem.name).messages.push(problem.message);
    else attachMessage(ui, '', problem.message);
  }
  return saveAndRespond(ctx, s.request, flow, 400, { browserStatus: registrationErrorRedirect });
}

/** Kratos's registration ErrorHandler sends a browser form back to the UI with a 302 Found. */
const registrationErrorRedirect = 302;

async function validate(
  s: Submission,
  schema: IdentitySchema,
  traits: unknown,
  password: string,
): Promise<Array<{ name: string; message: UIText }>> {
  const problems = schema.validateTraits(traits).map((e) => ({ name: e.name, message: e.message }));
  if (!password) problems.push({ name: 'password', message: validationText.required('password') });
  if (problems.length) return problems;
  const identifiers = schema.passwordIdentifiers(asTraits(traits));
  if (identifiers.length === 0) return [{ name: '', message: validationText.noIdentifiers() }];
  const policy = await s.ctx.passwordPolicy.check(password, identifiers);
  return policy ? [{ name: 'password', message: policy }] : [];
}

export async function submitRegistrationPassword(s: Submission): Promise<Response> {
  const { ctx, flow, body } = s;
  const schema = ctx.schemas.get(ctx.schemas.defaultId);
  if (!schema) throw new Error(`identity schema "${ctx.schemas.defaultId}" is not loaded`);
  const rawTraits = body.traits ?? {};
  const traits = asTraits(rawTraits);
  const password = typeof body.password === 'string' ? body.password : '';

  const problems = await validate(s, schema, rawTraits, password);
  if (problems.length) return showProblems(s, traits, problems);

  // web_hook hooks that may interrupt or parse run before the identity is saved (Kratos's
  // pre-persist hooks); they may change its traits and metadata, checked again as Kratos does.
  const hooked = await hookedTraits(s, schema, traits);
  if ('problems' in hooked) return showProblems(s, hooked.traits, hooked.problems);
  const identity = newPasswordIdentity({
    schema,
    traits: hooked.draft.traits,
    identifiers: schema.passwordIdentifiers(hooked.draft.traits),
    hashedPassword: await ctx.hasher.hash(password),
    now: ctx.clock.now(),
  });
  identity.metadata_public = hooked.draft.metadata_public;
  identity.metadata_admin = hooked.draft.metadata_admin;
  try {
    await ctx.persister.transaction(async (tx) => {
      // Consuming and creating in one transaction: a duplicate rolls the consumption back. A
      // browser flow registers one identity; an API flow may be submitted again, as Kratos
      // allows (a second identity: shared/ory/kratos/transcripts/registration-api.json#3).
      const consumed = await tx.consumeFlow(flow.id, ctx.clock.now().toISOString());
      if (!consumed && flow.type !== 'api') throw new FlowAlreadyConsumed();
      await tx.createIdentity(identity);
    });
  } catch (err) {
    if (err instanceof FlowAlreadyConsumed)
      return rejectWithMessage(s, registrationText.registrationRetrySuccess());
    if (err instanceof DuplicateCredentialsError) {
      return showProblems(s, traits, [
        { name: '', message: validationText.duplicateCredentials() },
      ]);
    }
    throw err;
  }
  ctx.log('info', 'identity registered', { identity_id: identity.id, flow_id: flow.id });
  const afterSave = afterWebHooks(ctx.config, 'registration', 'password');
  await runWebHooks(
    ctx,
    afterSave.filter((hook) => !runsBeforePersist(hook)),
  );

  const hooks = ctx.config.selfservice.flows.registration.after_hooks.password ?? [];
  const issued = hooks.includes('session')
    ? await issueSession(ctx, {
        identity,
        method: 'password',
        request: s.request,
        clientAddress: s.clientAddress,
      })
    : undefined;
  // Kratos's verification hook: codes to the new addresses, continue_with show_verification_ui;
  // with `show_verification_ui` a browser form post goes to the verification UI.
  const fresh =
    issued && flow.type === 'browser'
      ? s.csrf.issue(new Request('http://csrf.invalid/'))
      : undefined;
  const returnTo = typeof flow.body.return_to === 'string' ? flow.body.return_to : undefined;
  const challenge = challengeOfFlow(flow);
  const verification = await startVerification(ctx, {
    identity,
    request: s.request,
    type: flow.type,
    ...(returnTo ? { returnTo } : {}),
    ...(fresh ? { csrfIssue: fresh } : {}),
    // Kratos's verification hook hands the challenge on, with the session it has just issued.
    ...(challenge
      ? {
          oauth2Login: {
            challenge,
            identity_id: identity.id,
            ...(issued ? { session_id: issued.session.id } : {}),
            amr: issued?.session.authentication_methods ?? [{ method: 'password' }],
          },
        }
      : {}),
  });
  const showUI = showsVerificationUI(registrationAfterHooks(ctx.config, 'password'));
  const browserRedirect = showUI ? verification[0]?.flow.url : undefined;
  // The answer shows the addresses as the code mail left them (`sent`), and — as a real Kratos
  // on the shipped kratos.yml (shared/ory/kratos/transcripts/registration-api.json) — lists the
  // verification flows in continue_with only when the show_verification_ui hook is configured.
  const sentTo = verification.length ? await ctx.persister.getIdentity(identity.id) : undefined;
  return successResponse(s, {
    flow,
    identity: sentTo ?? identity,
    ...(issued ? { issued } : {}),
    includeIdentity: true,
    continueWith: (showUI ? verification : []) as unknown as Array<Record<string, unknown>>,
    ...(fresh ? { csrfIssue: fresh } : {}),
    ...(browserRedirect ? { browserRedirect } : {}),
  });
}

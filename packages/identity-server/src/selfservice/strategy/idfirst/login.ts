// The identifier-first login method (Kratos selfservice/strategy/idfirst/strategy_login.go): the
// first screen posts `method=identifier_first` with the identifier; the answer is the credential
// screen for it (JSON clients get 400 with the flow, form posts 303 back to the login UI) with the
// flow `active: identifier_first`. Nothing is verified here: the password submit that follows is
// the password method's, with its one 4000006 for a wrong password and an unknown identifier alike.
//
// Account enumeration: with `security.account_enumeration.mitigate` an unknown identifier gets the
// very screen a known one gets. Without it (Kratos's default) Kratos says 4000037 on the identifier
// when no method can serve the account — the embedded server does the same, as Kratos does.
import type { Identity } from '../../../persistence/types.ts';
import { saveAndRespond } from '../../flow/respond.ts';
import type { Submission } from '../../flow/submission.ts';
import { validationText } from '../../../text/index.ts';
import { attachMessage, resetMessages, uiOf } from '../../../ui/container.ts';
import { credentialNodes, identificationNodes, IDENTIFIER_FIRST } from './nodes.ts';

/** Kratos password strategy CountActiveFirstFactorCredentials: identifiers and a hash. */
function hasPassword(identity: Identity | undefined): boolean {
  const credential = identity?.credentials.password;
  const hashed = credential?.config.hashed_password;
  return (
    credential !== undefined &&
    credential.identifiers.some((i) => i !== '') &&
    typeof hashed === 'string' &&
    hashed !== ''
  );
}

const jsonType = (value: unknown): string =>
  value === null
    ? 'null'
    : Array.isArray(value)
      ? 'array'
      : typeof value === 'object'
        ? 'object'
        : typeof value;

export async function submitLoginIdentifierFirst(s: Submission): Promise<Response> {
  const { ctx, flow, body } = s;
  const schema = ctx.schemas.get(ctx.schemas.defaultId);
  const csrfMasked = flow.type === 'browser' ? s.csrf.remask(flow.csrf_token) : '';
  const submitted = typeof body.identifier === 'string' ? body.identifier : '';
  // Echoed with this answer, not stored (Kratos sets it on the flow it writes back).
  const echo = { transientPayload: body.transient_payload };
  resetMessages(flow);
  const ui = uiOf(flow);

  // Kratos's payload schema: `identifier` is a string of at least one character.
  if (body.identifier !== undefined && (typeof body.identifier !== 'string' || submitted === '')) {
    ui.nodes = identificationNodes(schema, { csrfMasked, identifier: submitted });
    attachMessage(
      ui,
      'identifier',
      typeof body.identifier === 'string'
        ? validationText.minLength(1, 0)
        : validationText.wrongType(['string'], jsonType(body.identifier)),
    );
    return saveAndRespond(ctx, s.request, flow, 400, echo);
  }

  const identity = await ctx.persister.findIdentityByCredentialIdentifier(
    'password',
    submitted.trim(),
  );
  const mitigate = ctx.config.security?.account_enumeration_mitigate === true;
  if (!hasPassword(identity) && !mitigate) {
    ui.nodes = identificationNodes(schema, { csrfMasked, identifier: submitted });
    attachMessage(ui, 'identifier', validationText.accountNotFound());
    return saveAndRespond(ctx, s.request, flow, 400, echo);
  }

  ui.nodes = credentialNodes(schema, { csrfMasked, identifier: submitted });
  flow.body.active = IDENTIFIER_FIRST;
  return saveAndRespond(ctx, s.request, flow, 400, echo);
}

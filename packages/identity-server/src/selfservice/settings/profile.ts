// The `profile` settings method (Kratos selfservice/strategy/profile): traits validated by the
// identity schema; changing an identifier or an address needs a privileged session; new addresses
// start unverified and are sent a verification code (continue_with show_verification_ui).
import { DuplicateCredentialsError } from '../../persistence/types.ts';
import { showsVerificationUI, startVerification } from '../verification/hooks.ts';
import { afterHooks } from '../../config/hooks.ts';
import { isPrivileged } from './access.ts';
import { applyTraits } from './identity-update.ts';
import { afterSettingsSave, beforeSettingsSave } from './web-hooks.ts';
import { needsReauth, showProblems, showSuccess, type SettingsSubmission } from './respond.ts';
import { validationText } from '../../text/index.ts';

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};

export async function updateProfile(s: SettingsSubmission): Promise<Response> {
  const { ctx, session } = s;
  const current = session.identity;
  const schema = ctx.schemas.get(current.schema_id) ?? ctx.schemas.get(ctx.schemas.defaultId);
  if (!schema) throw new Error(`identity schema "${current.schema_id}" is not loaded`);
  const traits = asRecord(s.body.traits);
  const problems = schema.validateTraits(traits);
  if (problems.length) return showProblems(s, problems, traits);

  const update = applyTraits(ctx, current, schema, traits);
  if (update.protectedChanged && !isPrivileged(ctx, session)) return needsReauth(s);
  const toSave = await beforeSettingsSave(s, 'profile', update.identity);
  if (toSave instanceof Response) return toSave;
  try {
    await ctx.persister.updateIdentity(toSave);
  } catch (err) {
    if (err instanceof DuplicateCredentialsError) {
      return showProblems(
        s,
        [{ name: '', message: validationText.duplicateCredentials() }],
        traits,
      );
    }
    throw err;
  }
  ctx.log('info', 'identity traits updated', { identity_id: current.id, flow_id: s.flow.id });
  await afterSettingsSave(s, 'profile');
  // Kratos's verification hook mails a code to every address still `pending` (a new one, or one
  // never mailed: shared/ory/kratos/transcripts/settings.json shows the admin-made address `sent`
  // after a profile save); the verification flows are listed in continue_with only with the
  // show_verification_ui hook, as after registration.
  const pending = toSave.verifiable_addresses
    .filter((va) => !va.verified && va.status === 'pending')
    .map((va) => va.value);
  const verification = pending.length
    ? await startVerification(ctx, {
        identity: toSave,
        request: s.request,
        type: s.flow.type,
        addresses: pending,
      })
    : [];
  const showUI = showsVerificationUI(afterHooks(ctx.config, 'settings', 'profile'));
  return showSuccess(
    s,
    'profile',
    (showUI ? verification : []) as unknown as Array<Record<string, unknown>>,
  );
}

// Applying new traits to an identity the way Kratos's identity manager does on a settings update:
// credential identifiers follow the traits, an unchanged address keeps its verification state,
// a new address starts unverified (`pending`) — so changing the email resets its verification.
import { randomUUID } from 'node:crypto';
import type { IdentitySchema, ServerContext } from '../../driver/context.ts';
import type { Identity } from '../../persistence/types.ts';

export interface TraitsUpdate {
  identity: Identity;
  /** Identifiers or addresses changed: Kratos requires a privileged session for this. */
  protectedChanged: boolean;
  /** Verifiable addresses that are new (to be sent a verification code). */
  newAddresses: string[];
}

const sameSet = (a: string[], b: string[]) =>
  a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);

export function applyTraits(
  ctx: ServerContext,
  current: Identity,
  schema: IdentitySchema,
  traits: Record<string, unknown>,
): TraitsUpdate {
  const at = ctx.clock.now().toISOString();
  const identity = structuredClone(current);
  identity.traits = traits;
  identity.updated_at = at;

  const oldVerifiable = new Map(
    current.verifiable_addresses.map((a) => [a.value.toLowerCase(), a]),
  );
  const verifiable = schema.verificationAddresses(traits);
  identity.verifiable_addresses = verifiable.map(
    (a) =>
      oldVerifiable.get(a.value.toLowerCase()) ?? {
        id: randomUUID(),
        value: a.value,
        verified: false,
        via: a.via,
        status: 'pending',
        created_at: at,
        updated_at: at,
      },
  );
  const oldRecovery = new Map(current.recovery_addresses.map((a) => [a.value.toLowerCase(), a]));
  identity.recovery_addresses = schema.recoveryAddresses(traits).map(
    (a) =>
      oldRecovery.get(a.value.toLowerCase()) ?? {
        id: randomUUID(),
        value: a.value,
        via: a.via,
        created_at: at,
        updated_at: at,
      },
  );

  const identifiers = schema.passwordIdentifiers(traits);
  const password = identity.credentials.password;
  const oldIdentifiers = password?.identifiers ?? [];
  if (password && !sameSet(password.identifiers, identifiers)) {
    password.identifiers = identifiers;
    password.updated_at = at;
  }
  const newAddresses = verifiable
    .map((a) => a.value)
    .filter((v) => !oldVerifiable.has(v.toLowerCase()));
  const protectedChanged =
    (password !== undefined && !sameSet(oldIdentifiers, identifiers)) ||
    newAddresses.length > 0 ||
    verifiable.length !== current.verifiable_addresses.length ||
    !sameSet(
      current.recovery_addresses.map((a) => a.value.toLowerCase()),
      identity.recovery_addresses.map((a) => a.value.toLowerCase()),
    );
  return { identity, protectedChanged, newAddresses };
}

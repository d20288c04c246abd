// A new identity from a registration (Kratos identity.NewIdentity + the password credential).
import { randomUUID } from 'node:crypto';
import type { IdentitySchema } from '../../driver/context.ts';
import type { Identity } from '../../persistence/types.ts';
import { recoveryAddresses, verifiableAddresses } from '../../identity/addresses.ts';

export function newPasswordIdentity(options: {
  schema: IdentitySchema;
  traits: Record<string, unknown>;
  identifiers: string[];
  hashedPassword: string;
  now: Date;
}): Identity {
  const at = options.now.toISOString();
  const { schema, traits } = options;
  return {
    id: randomUUID(),
    schema_id: schema.id,
    state: 'active',
    state_changed_at: at,
    traits,
    // No previous addresses: each is new, unverified and pending (as the admin API creates them).
    verifiable_addresses: verifiableAddresses(schema, traits, at, undefined),
    recovery_addresses: recoveryAddresses(schema, traits, at, undefined),
    metadata_public: null,
    metadata_admin: null,
    credentials: {
      password: {
        type: 'password',
        identifiers: options.identifiers,
        config: { hashed_password: options.hashedPassword },
        version: 0,
        created_at: at,
        updated_at: at,
      },
    },
    created_at: at,
    updated_at: at,
  };
}

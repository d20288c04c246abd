// A new identity from a registration (Kratos identity.NewIdentity + the password credential).
import { randomUUID } from 'node:crypto';
import type { IdentitySchema } from '../../driver/context.ts';
import type { Identity } from '../../persistence/types.ts';

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
    verifiable_addresses: schema.verificationAddresses(traits).map((a) => ({
      id: randomUUID(),
      value: a.value,
      verified: false,
      via: a.via,
      status: 'pending',
      created_at: at,
      updated_at: at,
    })),
    recovery_addresses: schema.recoveryAddresses(traits).map((a) => ({
      id: randomUUID(),
      value: a.value,
      via: a.via,
      created_at: at,
      updated_at: at,
    })),
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

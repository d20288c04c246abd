// Verifiable and recovery addresses follow the schema (Kratos re-derives them from the traits on
// every create/update); an address that already existed keeps its id and verification status.
import { randomUUID } from 'node:crypto';
import type { IdentitySchema } from '../driver/context.ts';
import type { RecoveryAddress, VerifiableAddress } from '../persistence/types.ts';

type Given<T> = ReadonlyArray<Partial<T>> | undefined;
const key = (a: { value?: unknown; via?: unknown }) =>
  `${String(a.via)}:${String(a.value).toLowerCase()}`;

export function verifiableAddresses(
  schema: IdentitySchema,
  traits: Record<string, unknown>,
  at: string,
  previous: Given<VerifiableAddress>,
): VerifiableAddress[] {
  const known = new Map((previous ?? []).map((a) => [key(a), a]));
  return schema.verificationAddresses(traits).map(({ value, via }) => {
    const old = known.get(key({ value, via }));
    const verified = old?.verified === true;
    const address: VerifiableAddress = {
      id: typeof old?.id === 'string' ? old.id : randomUUID(),
      value,
      verified,
      via,
      status: verified ? 'completed' : old?.status === 'sent' ? 'sent' : 'pending',
      created_at: typeof old?.created_at === 'string' ? old.created_at : at,
      updated_at: at,
    };
    if (verified) address.verified_at = typeof old?.verified_at === 'string' ? old.verified_at : at;
    return address;
  });
}

export function recoveryAddresses(
  schema: IdentitySchema,
  traits: Record<string, unknown>,
  at: string,
  previous: Given<RecoveryAddress>,
): RecoveryAddress[] {
  const known = new Map((previous ?? []).map((a) => [key(a), a]));
  return schema.recoveryAddresses(traits).map(({ value, via }) => {
    const old = known.get(key({ value, via }));
    return {
      id: typeof old?.id === 'string' ? old.id : randomUUID(),
      value,
      via,
      created_at: typeof old?.created_at === 'string' ? old.created_at : at,
      updated_at: at,
    };
  });
}

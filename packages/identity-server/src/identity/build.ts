// Identities from admin input (Kratos identity/handler.go create/update + identity manager
// validation): traits validated against the schema, identifiers and addresses derived from it.
import { randomUUID } from 'node:crypto';
import type { IdentitySchema, ServerContext } from '../driver/context.ts';
import { KratosError, badRequest } from '../http/errors.ts';
import type { Identity, RecoveryAddress, VerifiableAddress } from '../persistence/types.ts';
import { recoveryAddresses, verifiableAddresses } from './addresses.ts';
import { importedPasswordHash, passwordCredential } from './credentials.ts';
import {
  optionalString,
  readAddressList,
  readMetadata,
  readState,
  rejectUnknownKeys,
  type JSONObject,
} from './input.ts';

export function schemaFor(ctx: ServerContext, schemaId: string | undefined): IdentitySchema {
  const id = schemaId ?? ctx.schemas.defaultId;
  const schema = ctx.schemas.get(id);
  if (!schema) throw badRequest(`Unable to find JSON Schema ID: ${id}`);
  return schema;
}

/** 400 with every trait problem, in Kratos's message texts, under details.validation. */
export function assertValidTraits(
  schema: IdentitySchema,
  traits: unknown,
): asserts traits is Record<string, unknown> {
  const problems = schema.validateTraits(traits);
  if (problems.length === 0) return;
  const reason = problems.map((p) => `${p.name || 'traits'}: ${p.message.text}`).join('; ');
  throw new KratosError(400, 'The request was malformed or contained invalid parameters', {
    reason: reason.length > 1000 ? `${reason.slice(0, 997)}...` : reason,
    details: { validation: problems.map((p) => ({ name: p.name, message: p.message })) },
  });
}

const CREATE_KEYS = new Set([
  'schema_id',
  'traits',
  'credentials',
  'verifiable_addresses',
  'recovery_addresses',
  'metadata_public',
  'metadata_admin',
  'state',
  'external_id',
  'organization_id',
]);

export async function identityFromCreateBody(
  ctx: ServerContext,
  body: JSONObject,
): Promise<Identity> {
  rejectUnknownKeys(body, CREATE_KEYS);
  for (const unsupported of ['external_id', 'organization_id']) {
    // Accepted by Kratos; refused here rather than silently dropped.
    if (body[unsupported] !== undefined && body[unsupported] !== null && body[unsupported] !== '') {
      throw badRequest(`${unsupported} is not supported by this server.`);
    }
  }
  const schema = schemaFor(ctx, optionalString(body, 'schema_id'));
  const traits = body.traits ?? {};
  assertValidTraits(schema, traits);
  const at = ctx.clock.now().toISOString();
  const hashed = await importedPasswordHash(ctx, body.credentials);
  const identity: Identity = {
    id: randomUUID(),
    schema_id: schema.id,
    state: readState(body) ?? 'active',
    state_changed_at: at,
    traits,
    verifiable_addresses: verifiableAddresses(
      schema,
      traits,
      at,
      readAddressList<VerifiableAddress>(body, 'verifiable_addresses'),
    ),
    recovery_addresses: recoveryAddresses(
      schema,
      traits,
      at,
      readAddressList<RecoveryAddress>(body, 'recovery_addresses'),
    ),
    metadata_public: readMetadata(body, 'metadata_public'),
    metadata_admin: readMetadata(body, 'metadata_admin'),
    credentials: {},
    created_at: at,
    updated_at: at,
  };
  const identifiers = schema.passwordIdentifiers(traits);
  if (hashed || identifiers.length > 0)
    identity.credentials.password = passwordCredential(hashed, identifiers, at);
  return identity;
}

export interface IdentityChanges {
  schema_id?: string | undefined;
  state?: 'active' | 'inactive' | undefined;
  traits: unknown;
  metadata_public: Record<string, unknown> | null;
  metadata_admin: Record<string, unknown> | null;
  /** A new password hash (PUT with credentials); undefined keeps the stored credentials. */
  hashed_password?: string | undefined;
}

/** Applies validated changes; password identifiers and addresses follow the new traits. */
export function applyIdentityChanges(
  ctx: ServerContext,
  existing: Identity,
  changes: IdentityChanges,
): Identity {
  const schema = schemaFor(ctx, changes.schema_id ?? existing.schema_id);
  assertValidTraits(schema, changes.traits);
  const at = ctx.clock.now().toISOString();
  const traits = changes.traits;
  const updated: Identity = {
    ...existing,
    schema_id: schema.id,
    traits,
    metadata_public: changes.metadata_public,
    metadata_admin: changes.metadata_admin,
    verifiable_addresses: verifiableAddresses(schema, traits, at, existing.verifiable_addresses),
    recovery_addresses: recoveryAddresses(schema, traits, at, existing.recovery_addresses),
    credentials: { ...existing.credentials },
    updated_at: at,
  };
  if (changes.state && changes.state !== existing.state) {
    updated.state = changes.state;
    updated.state_changed_at = at;
  }
  const current = existing.credentials.password;
  const hashed = changes.hashed_password ?? (current?.config.hashed_password as string | undefined);
  const identifiers = schema.passwordIdentifiers(traits);
  if (hashed !== undefined || current || identifiers.length > 0) {
    updated.credentials.password = passwordCredential(
      hashed,
      schema.passwordIdentifiers(traits),
      at,
      current,
    );
  }
  return updated;
}

// Identities on the admin API as Kratos marshals them (identity/identity.go):
// WithCredentialsMetadataAndAdminMetadataInJSON — credentials without `config` — and, for
// GET ?include_credential=password, the declassified config (Kratos does return hashed_password).
import type { ServerContext } from '../driver/context.ts';
import type { Credential, Identity } from '../persistence/types.ts';
import { publicIdentity } from '../session/wire.ts';

export const CREDENTIAL_TYPES: ReadonlyArray<Credential['type']> = [
  'password',
  'oidc',
  'totp',
  'lookup_secret',
  'webauthn',
  'code',
  'passkey',
];

export function adminIdentity(
  ctx: ServerContext,
  identity: Identity,
  options: {
    declassify?: ReadonlyArray<Credential['type']>;
    /** Lists (identity/handler.go list, Expand=ExpandDefault) load no credentials: the key is absent. */
    withoutCredentials?: boolean;
    /** GET by id marshals WithCredentialsAndAdminMetadataInJSON: metadata_admin is null, not absent. */
    metadataAdminNull?: boolean;
  } = {},
): Record<string, unknown> {
  const credentials: Record<string, unknown> = {};
  for (const [type, credential] of Object.entries(identity.credentials)) {
    if (!credential) continue;
    const { config, ...metadata } = credential;
    credentials[type] = options.declassify?.includes(credential.type)
      ? { ...metadata, config }
      : metadata;
  }
  const noAdminMetadata = identity.metadata_admin === null || identity.metadata_admin === undefined;
  return {
    ...publicIdentity(ctx, identity),
    ...(options.withoutCredentials ? {} : { credentials }),
    // Kratos: `json:"metadata_admin,omitempty"` — absent, not null, when there is none (except GET).
    ...(noAdminMetadata
      ? options.metadataAdminNull
        ? { metadata_admin: null }
        : {}
      : { metadata_admin: identity.metadata_admin }),
  };
}

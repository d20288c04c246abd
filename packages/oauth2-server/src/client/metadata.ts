// Hydra's OAuth2 client (client/client.go) ↔ oidc-provider's client metadata. Both speak RFC 7591
// names; Hydra adds its own fields (skip_consent, metadata, owner, audience, timestamps), kept as
// extra metadata so one stored record serves the protocol and the admin API.
import { randomBytes, randomUUID } from 'node:crypto';
import { invalidClientMetadata } from '../x/http.ts';

export const HYDRA_CLIENT_PROPERTIES = [
  'skip_consent',
  'skip_logout_consent',
  'metadata',
  'owner',
  'audience',
  'allowed_cors_origins',
  'created_at',
  'updated_at',
  'registration_access_token_hash',
] as const;

/** Hydra's defaults (driver/config: `oauth2.client_*`, client/validator.go). */
const HYDRA_DEFAULT_SCOPE = 'offline_access offline openid';

/** Fields a client record carries as stored (RFC 7591 names + Hydra's extras). */
export type StoredClient = Record<string, unknown> & {
  client_id: string;
  created_at: string;
  updated_at: string;
};

const STRING_FIELDS = [
  'client_name',
  'client_uri',
  'logo_uri',
  'policy_uri',
  'tos_uri',
  'owner',
] as const;
const LIST_FIELDS = [
  'redirect_uris',
  'grant_types',
  'response_types',
  'post_logout_redirect_uris',
  'contacts',
  'audience',
  'allowed_cors_origins',
] as const;

function list(body: Record<string, unknown>, key: string): string[] | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw invalidClientMetadata(`Field ${key} must be an array of strings.`);
  }
  return value as string[];
}

/**
 * A create or full update body → the record to store, plus the plain secret to show once.
 * Throws Hydra's `invalid_client_metadata` for what Hydra's validator rejects.
 */
export function clientFromBody(
  body: Record<string, unknown>,
  existing?: StoredClient,
): { record: StoredClient; secret?: string } {
  const authMethod =
    (body.token_endpoint_auth_method as string | undefined) ?? 'client_secret_basic';
  let secret = body.client_secret as string | undefined;
  if (secret !== undefined && typeof secret !== 'string')
    throw invalidClientMetadata('Field client_secret must be a string.');
  if (secret && secret.length < 6) {
    throw invalidClientMetadata(
      'Field client_secret must contain a secret that is at least 6 characters long.',
    );
  }
  if (authMethod === 'none')
    secret = undefined; // a public client never gets a secret
  else if (!secret)
    secret =
      (existing?.client_secret as string | undefined) ?? randomBytes(24).toString('base64url');
  const now = new Date().toISOString();
  const grantTypes = list(body, 'grant_types') ?? ['authorization_code'];
  const record: StoredClient = {
    client_id:
      existing?.client_id ??
      (typeof body.client_id === 'string' && body.client_id ? body.client_id : randomUUID()),
    token_endpoint_auth_method: authMethod,
    scope: typeof body.scope === 'string' && body.scope ? body.scope : HYDRA_DEFAULT_SCOPE,
    grant_types: grantTypes,
    // Without the code grant there is no authorization endpoint use, so no default response type
    // (oidc-provider would otherwise demand redirect_uris of a client_credentials-only client).
    response_types:
      list(body, 'response_types') ?? (grantTypes.includes('authorization_code') ? ['code'] : []),
    redirect_uris: list(body, 'redirect_uris') ?? [],
    skip_consent: body.skip_consent === true,
    skip_logout_consent: body.skip_logout_consent === true,
    metadata: body.metadata && typeof body.metadata === 'object' ? body.metadata : {},
    created_at: existing?.created_at ?? now,
    updated_at: now,
  };
  if (secret) record.client_secret = secret;
  for (const key of STRING_FIELDS)
    if (typeof body[key] === 'string' && body[key]) record[key] = body[key];
  for (const key of LIST_FIELDS) {
    const value = list(body, key);
    if (value) record[key] = value;
  }
  if (existing?.registration_access_token_hash)
    record.registration_access_token_hash = existing.registration_access_token_hash;
  // Hydra shows the secret when it is new: on create, or when an update sets one.
  const shown = secret && secret !== existing?.client_secret ? secret : undefined;
  return { record, ...(shown ? { secret: shown } : {}) };
}

/** What the admin API shows (secret omitted unless just created; no internal hashes). */
export function hydraClientView(
  record: StoredClient,
  options: { secret?: string } = {},
): Record<string, unknown> {
  const { client_secret: _secret, registration_access_token_hash: _hash, ...rest } = record;
  return {
    client_name: '',
    client_uri: '',
    logo_uri: '',
    policy_uri: '',
    tos_uri: '',
    owner: '',
    contacts: null,
    audience: [],
    allowed_cors_origins: [],
    post_logout_redirect_uris: [],
    client_secret_expires_at: 0,
    subject_type: 'public',
    userinfo_signed_response_alg: 'none',
    jwks: {},
    ...rest,
    ...(options.secret ? { client_secret: options.secret } : {}),
  };
}

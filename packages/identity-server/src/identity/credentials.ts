// Importing a password credential on create/update (Kratos identity/handler_import.go):
// a plain `password` is hashed with the configured hasher (no password policy for admin imports,
// as in Kratos); a `hashed_password` must be in a format the server can verify.
import type { ServerContext } from '../driver/context.ts';
import { PasswordTooLongError, checkImportedHash } from '../hash/index.ts';
import { badRequest } from '../http/errors.ts';
import type { Credential } from '../persistence/types.ts';
import { isObject, rejectUnknownKeys, type JSONObject } from './input.ts';

const CREDENTIAL_KEYS = new Set([
  'password',
  'oidc',
  'totp',
  'lookup_secret',
  'webauthn',
  'passkey',
  'saml',
  'code',
]);
const PASSWORD_KEYS = new Set(['config']);
const PASSWORD_CONFIG_KEYS = new Set([
  'password',
  'hashed_password',
  'use_password_migration_hook',
]);

/** The hashed password to store, or undefined when the body imports no password. */
export async function importedPasswordHash(
  ctx: ServerContext,
  credentials: unknown,
): Promise<string | undefined> {
  if (credentials === undefined || credentials === null) return undefined;
  if (!isObject(credentials)) throw badRequest('credentials must be an object');
  rejectUnknownKeys(credentials, CREDENTIAL_KEYS, 'credentials.');
  for (const type of Object.keys(credentials)) {
    if (type !== 'password' && credentials[type] !== null) {
      throw badRequest(`Importing ${type} credentials is not supported by this server.`);
    }
  }
  const password = credentials.password;
  if (password === undefined || password === null) return undefined;
  if (!isObject(password)) throw badRequest('credentials.password must be an object');
  rejectUnknownKeys(password, PASSWORD_KEYS, 'credentials.password.');
  const config = (password.config ?? {}) as JSONObject;
  if (!isObject(config)) throw badRequest('credentials.password.config must be an object');
  rejectUnknownKeys(config, PASSWORD_CONFIG_KEYS, 'credentials.password.config.');
  return hashFromConfig(ctx, config);
}

async function hashFromConfig(ctx: ServerContext, config: JSONObject): Promise<string> {
  const { password, hashed_password: hashed } = config;
  if (typeof password === 'string' && password !== '') {
    try {
      return await ctx.hasher.hash(password);
    } catch (err) {
      if (err instanceof PasswordTooLongError) {
        throw badRequest('passwords are limited to a maximum length of 72 characters');
      }
      throw err;
    }
  }
  if (typeof hashed === 'string' && hashed !== '') {
    const problem = checkImportedHash(hashed);
    if (problem) {
      throw badRequest(
        `The imported password does not match any known hash format (${problem}). For more information see https://www.ory.sh/dr/2`,
      );
    }
    return hashed;
  }
  throw badRequest('credentials.password.config needs a password or a hashed_password');
}

/**
 * A password credential. Without a hash it is what Kratos's schema extension
 * (identity/extension_credentials.go) makes for an identity whose traits name a password
 * identifier: the identifiers with an empty config, so the identifier is still unique and the
 * identity can later get a password (settings, recovery, import).
 */
export function passwordCredential(
  hashedPassword: string | undefined,
  identifiers: string[],
  at: string,
  previous?: Credential,
): Credential {
  return {
    type: 'password',
    identifiers,
    config: hashedPassword === undefined ? {} : { hashed_password: hashedPassword },
    version: previous?.version ?? 0,
    created_at: previous?.created_at ?? at,
    updated_at: at,
  };
}
